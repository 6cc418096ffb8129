package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.door.ProtocolCodec;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import dev.credagent.service.CredentialResolver.Resolved;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which key serves a name, in the class comment's order: exact, source, another name of the same
 * registry, the most specific pattern (a stored credential before a source at a tie), then the
 * host; never an erased credential's key. A real vault in a temporary directory.
 */
class CredentialResolverTest {
  @TempDir Path home;
  private Vault vault;
  private CredentialResolver resolver;

  @BeforeEach
  void setUp() throws Exception {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    vault.unlock(TestKdf.secret("pw"));
    resolver = new CredentialResolver(vault);
  }

  /** Stores as the service does: the resolver is told of every change before it is acknowledged. */
  private void store(String key) throws Exception {
    vault.store(key, new Credential("u-" + key, TestKdf.secret("s")));
    resolver.changed(key);
  }

  private void source(String key) throws Exception {
    vault.putSource(key, "{\"command\":[\"/bin/true\"]}");
    resolver.changed(key);
  }

  private Resolved resolve(String server) throws Exception {
    return resolver.resolve(server);
  }

  @Test
  void theExactKeyComesFirstThenItsSource() throws Exception {
    store("*.example.com");
    store("r.example.com");
    source("r.example.com");
    assertEquals(new Resolved("r.example.com", false), resolve("r.example.com"));
    source("s.example.com");
    assertEquals(new Resolved("s.example.com", true), resolve("s.example.com"), "a source before a pattern");
  }

  @Test
  void anotherNameOfTheSameRegistryBeforeAPattern() throws Exception {
    store(ServerNames.HUB_KEY);
    store("*.docker.io");
    for (String hub : List.of("docker.io", "index.docker.io", "registry-1.docker.io")) {
      assertEquals(ServerNames.HUB_KEY, resolve(hub).key(), hub);
    }
    store("reg.example:5000");
    assertEquals("reg.example:5000", resolve("https://reg.example:5000/v1/").key(), "docker's URL form of a host key");
    store("https://other.example");
    assertEquals("https://other.example", resolve("other.example").key(), "a key written as a URL serves its host");
  }

  /** What a token for a Hub repository is minted from (ProtocolCodec.tokenLookup): Hub's login, or a Hub path pattern first. */
  @Test
  void aHubRepositorysTokenIsMintedFromHubsLoginOrItsPattern() throws Exception {
    store(ServerNames.HUB_KEY);
    for (String asked : List.of("docker.io/library/alpine", "index.docker.io/library/alpine", "registry-1.docker.io/my-org/app")) {
      RegistryReference lookup = ProtocolCodec.tokenLookup(RegistryReference.parse(asked), ServerNames.HUB_KEY);
      assertEquals(ServerNames.HUB_KEY, resolver.resolve(lookup).key(), asked);
    }
    store("docker.io/my-org");
    RegistryReference mine = ProtocolCodec.tokenLookup(RegistryReference.parse("docker.io/my-org/app"), ServerNames.HUB_KEY);
    assertEquals("docker.io/my-org", resolver.resolve(mine).key(), "a Hub path pattern before Hub's login");
  }

  @Test
  void theMostSpecificPatternAndAStoredOneBeforeASourceAtATie() throws Exception {
    store("*.example.com");
    store("r.example.com/team");
    assertEquals("r.example.com/team", resolve("r.example.com/team/app").key());
    assertEquals("*.example.com", resolve("r.example.com/other").key());
    store("*.corp.example");
    source("*.corp.example");
    assertEquals(new Resolved("*.corp.example", false), resolve("git.corp.example"));
  }

  @Test
  void aPatternServesNoNameOutsideIt() throws Exception {
    store("*.example.com");
    store("*.ports.example:5000");
    for (String outside : List.of("example.com.evil.net", "evilexample.com", "a.b.example.com",
        "x.ports.example", "x.ports.example:5001", "example.com")) {
      assertThrows(CredentialNotFoundException.class, () -> resolve(outside), outside);
    }
  }

  @Test
  void aPathFallsBackToItsHostAndIsNotFoundByItsOwnName() throws Exception {
    store("ghcr.io");
    assertEquals("ghcr.io", resolve("ghcr.io/org/app").key());
    CredentialNotFoundException none = assertThrows(CredentialNotFoundException.class, () -> resolve("quay.io/org/app"));
    assertTrue(none.getMessage().contains("quay.io/org/app"), none.getMessage());
    assertNull(resolver.keyFor("quay.io/org/app"));
  }

  @Test
  void anErasedCredentialServesNothingAndIsNotListed() throws Exception {
    String erased = new ErasedKey("ghcr.io", Instant.ofEpochSecond(1_700_000_000), "docker").key();
    store(erased);
    String erasedPattern = new ErasedKey("*.example.com", Instant.ofEpochSecond(1_700_000_000), "docker").key();
    store(erasedPattern);
    assertThrows(CredentialNotFoundException.class, () -> resolve("ghcr.io"));
    assertThrows(CredentialNotFoundException.class, () -> resolve("r.example.com"), "an erased pattern matches nothing");
    assertEquals(List.of(), List.copyOf(resolver.live().keySet()));
    assertEquals(List.of(), resolver.erasable("ghcr.io"));
  }

  @Test
  void aPatternStoredLaterIsFoundAtOnce() throws Exception {
    assertThrows(CredentialNotFoundException.class, () -> resolve("r.example.com"));
    store("*.example.com"); // the index was built before; the change rebuilds it
    assertEquals("*.example.com", resolve("r.example.com").key());
    vault.erase("*.example.com");
    resolver.changed("*.example.com");
    assertThrows(CredentialNotFoundException.class, () -> resolve("r.example.com"));
  }

  @Test
  void anEraseTakesEveryHubKeyOrTheOneKeyButNeverAPatternOrASource() throws Exception {
    store(ServerNames.HUB_KEY);
    store("docker.io");
    assertEquals(List.of(ServerNames.HUB_KEY, "docker.io"), resolver.erasable("index.docker.io"));
    store("*.example.com");
    assertEquals(List.of(), resolver.erasable("r.example.com"), "a name only a pattern serves erases nothing");
    source("src.example");
    assertEquals(List.of(), resolver.erasable("src.example"));
    store("reg.example");
    assertEquals(List.of("reg.example"), resolver.erasable("https://reg.example/v1/"));
  }

  @Test
  void aLockedVaultResolvesNothing() throws Exception {
    store("ghcr.io");
    vault.lock();
    assertThrows(VaultLockedException.class, () -> resolve("ghcr.io"));
    assertNull(resolver.keyFor("ghcr.io"));
  }

  /**
   * The Hub-alias policy of a store, the resolver's now: one Docker Hub login under all its names,
   * placed under docker's key, the keys stored under Hub's other names displaced; a plain server is
   * placed under its own key and reads nothing of the vault, so a store of it is refused as locked by the
   * write, not here.
   */
  @Test
  void aStoreOfAHubNameIsPlacedUnderDockersKeyAndDisplacesHubsOtherNames() throws Exception {
    store("docker.io");
    store("registry-1.docker.io");
    store("ghcr.io");
    CredentialResolver.Placement hub = resolver.placement("index.docker.io");
    assertEquals(ServerNames.HUB_KEY, hub.key());
    assertEquals(List.of("docker.io", "registry-1.docker.io"), hub.displaced().stream().sorted().toList());
    assertEquals(new CredentialResolver.Placement("ghcr.io", List.of()), resolver.placement("ghcr.io"));
    vault.lock();
    assertEquals("reg.example", resolver.placement("reg.example").key());
  }
}
