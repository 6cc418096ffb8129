package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.ServerNames;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One login serves every client's name for its registry; an erase is kept for a while and can be undone. */
class OneLoginManyNamesTest {
  private static final Caller ME = new Caller(1000, ProcessHandle.current().pid());
  @TempDir Path home;
  private final TestClock clock = new TestClock();
  private AgentConfig config = AgentConfig.DEFAULTS;
  private CredentialService service;
  private Vault vault;

  @BeforeEach
  void setUp() {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    service = new CredentialService(vault, clock, Runnable::run, Runnable::run, Runnable::run, null, () -> config,
        AuditLog.NONE);
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  private void store(String server, String username) {
    service.store(ME, server, new Credential(username, TestKdf.secret("s-" + username))).join();
  }

  private String usernameFor(String server) {
    return service.get(ME, RegistryReference.parse(server)).join().username();
  }

  private static Throwable failure(java.util.concurrent.CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  @Test
  void aDockerHubLoginStoredUnderOneNameAnswersEveryName() throws Exception {
    store("docker.io", "podman-user"); // podman login docker.io
    for (String name : List.of("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io",
        "registry.hub.docker.com")) {
      assertEquals("podman-user", usernameFor(name), name);
    }
    assertEquals(List.of(ServerNames.HUB_KEY), List.copyOf(service.list(ME).keySet()), "listed once");
    store("https://index.docker.io/v1/", "docker-user"); // docker login
    assertEquals("docker-user", usernameFor("registry-1.docker.io"));
    service.erasure().erase(ME, "registry.hub.docker.com", false).join();
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("docker.io"))));
  }

  @Test
  void aLegacyKeyUnderAnotherHubNameIsFoundAndReplacedByTheNextStore() throws Exception {
    vault.store("docker.io", new Credential("legacy", TestKdf.secret("s"))); // stored before names were one
    vault.store("x.example", new Credential("x", TestKdf.secret("s")));
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw")).join(); // as a vault of before is opened
    assertEquals("legacy", usernameFor("https://index.docker.io/v1/"));
    store("https://index.docker.io/v1/", "new");
    assertEquals(Map.of(ServerNames.HUB_KEY, "new", "x.example", "x"), service.list(ME));
  }

  @Test
  void theDeviceCodeLoginsKeysStayExact() {
    store("https://index.docker.io/v1/access-token", "at");
    store("https://index.docker.io/v1/refresh-token", "rt");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("docker.io"))));
    assertEquals("at", usernameFor("https://index.docker.io/v1/access-token"));
  }

  @Test
  void serverUrlsInOtherFormsFindTheHostsLoginAndTheOtherWayRound() {
    store("reg.example.com", "docker-stored");
    store("127.0.0.1:5123", "local");
    assertEquals("docker-stored", usernameFor("https://reg.example.com/"));
    assertEquals("docker-stored", usernameFor("https://reg.example.com/v1/"));
    assertEquals("local", usernameFor("https://127.0.0.1:5123"));
    store("http://reg:5000", "as-sent"); // kept as the client sent it
    assertEquals("as-sent", usernameFor("reg:5000"));
    assertEquals("as-sent", usernameFor("http://reg:5000"));
  }

  @Test
  void aKeyWithARegistryPathAndNoSchemeIsTheHostAsDockerReadsIt() throws Exception {
    // docker 20.10 stores `docker login 127.0.0.1:5000/v1/` under the key as typed, and asks for the host.
    store("127.0.0.1:5000/v1/", "typed-v1");
    store("reg.example:5000/v2/", "typed-v2");
    store("plain.example/", "typed-slash");
    assertEquals("typed-v1", usernameFor("127.0.0.1:5000"));
    assertEquals("typed-v1", usernameFor("127.0.0.1:5000/some/repo"));
    assertEquals("typed-v2", usernameFor("reg.example:5000"));
    assertEquals("typed-slash", usernameFor("plain.example"));
    store("ghcr.io/org-c/", "org-pattern"); // any other path is still a path pattern
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("ghcr.io"))));
    service.erasure().erase(ME, "127.0.0.1:5000", false).join();
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("127.0.0.1:5000"))));
  }

  @Test
  void anEraseIsKeptAndCanBeRestoredPurgedOrOutlived() throws Exception {
    config = new AgentConfig(Duration.ZERO, Duration.ZERO, 4L << 20, AgentConfig.DEFAULT_ERASED_TTL); // no auto-lock over days
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw")).join();
    store("r.example", "alice");
    service.erasure().erase(ME, "r.example", false).join();
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("r.example"))));
    assertEquals(Map.of(), service.list(ME), "never listed as a credential");
    List<ErasedCredential> erased = service.erasure().list(ME);
    assertEquals(1, erased.size());
    assertEquals("r.example", erased.getFirst().server());
    assertEquals("alice", erased.getFirst().username());
    assertTrue(erased.getFirst().by().contains("java"), erased.getFirst().by());

    service.erasure().restore(ME, "r.example").join();
    assertEquals("alice", usernameFor("r.example"));
    assertEquals(List.of(), service.erasure().list(ME));

    service.erasure().erase(ME, "r.example", true).join();
    assertEquals(List.of(), service.erasure().list(ME), "--purge keeps nothing");

    store("t.example", "tom");
    service.erasure().erase(ME, "t.example", false).join();
    clock.advance(Duration.ofDays(8));
    store("u.example", "una");
    service.erasure().erase(ME, "u.example", false).join(); // an erase also drops what outlived erased-ttl
    assertEquals(List.of("u.example"), service.erasure().list(ME).stream().map(ErasedCredential::server).toList());
    assertEquals(1, service.erasure().purgeAll(ME).join());
    assertEquals(List.of(), service.erasure().list(ME));
  }

  @Test
  void erasedCredentialsSurviveARestartAndAreNeverServedThroughAnyName() throws Exception {
    store("https://index.docker.io/v1/", "hub");
    service.erasure().erase(ME, "docker.io", false).join();
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw")).join();
    for (String name : List.of("https://index.docker.io/v1/", "docker.io", "index.docker.io")) {
      assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse(name))), name);
    }
    service.erasure().restore(ME, "registry-1.docker.io").join();
    assertEquals("hub", usernameFor("docker.io"));
  }

  @Test
  void aZeroErasedTtlDeletesAtOnceAndAPatternIsNeverErasedByALiteralName() throws Exception {
    config = new AgentConfig(Duration.ofHours(1), Duration.ofHours(8), 4L << 20, Duration.ZERO);
    store("r.example", "alice");
    service.erasure().erase(ME, "r.example", false).join();
    assertEquals(List.of(), service.erasure().list(ME));
    store("*.example.org", "wild");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.erasure().erase(ME, "a.example.org", false)));
    assertEquals("wild", usernameFor("a.example.org"));
  }
}
