package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share hands out only what lies inside it: the key a credential is stored under must be within
 * the share's patterns, not merely the name asked for (the host-wide login behind a share for one
 * organisation stays in the daemon), and tokens only for repository scopes inside it.
 */
class ShareGateTest {
  private static final long PID = ProcessHandle.current().pid();
  private static final Caller ME = new Caller(1000, PID);
  @TempDir Path home;
  private CredentialService service;
  private Path auditFile;

  @BeforeEach
  void setUp() {
    auditFile = home.resolve("audit.log");
    service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run, Runnable::run, null, () -> AgentConfig.DEFAULTS,
        new AuditLog(auditFile, 1 << 20, new TestClock()));
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  private static Caller through(String... patterns) {
    return new Caller(1000, PID, new ShareScope("s", List.of(patterns).stream().map(RegistryPattern::parse).toList()));
  }

  private void store(String key, String username) {
    service.store(ME, key, new Credential(username, TestKdf.secret("s-" + username))).join();
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  @Test
  void aHostWideLoginNeverLeavesThroughAShareForOneOrganisation() {
    store("ghcr.io", "PERSONAL");
    Caller share = through("ghcr.io/org-c/");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(share, RegistryReference.parse("ghcr.io/org-c/app"))));
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(share, RegistryReference.parse("ghcr.io"))));
    assertEquals("PERSONAL", service.get(ME, RegistryReference.parse("ghcr.io/org-c/app")).join().username(), "the user's own socket still finds it");
  }

  @Test
  void aKeyInsideTheShareIsServedAndOneBesideItIsNot() throws Exception {
    store("ghcr.io", "PERSONAL");
    store("ghcr.io/org-c/", "ORG-C");
    store("ghcr.io/org-b/", "ORG-B");
    Caller share = through("ghcr.io/org-c/");
    assertEquals("ORG-C", service.get(share, RegistryReference.parse("ghcr.io/org-c/app")).join().username());
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(share, RegistryReference.parse("ghcr.io/org-b/app"))));
    assertEquals(List.of("ghcr.io/org-c/"), List.copyOf(service.list(share).keySet()));
  }

  @Test
  void aWildcardLoginIsInsideOnlyAShareAsWideAsIt() throws Exception {
    store("*.example.com", "WILD");
    assertInstanceOf(CredentialNotFoundException.class,
        failure(service.get(through("a.example.com"), RegistryReference.parse("a.example.com"))));
    assertEquals("WILD", service.get(through("*.example.com"), RegistryReference.parse("a.example.com")).join().username());
    assertTrue(service.list(through("a.example.com")).isEmpty());
  }

  @Test
  void tokensAreMintedOnlyForRepositoryScopesInsideTheShare() throws Exception {
    store("127.0.0.1:5000", "<token>");
    Caller share = through("127.0.0.1:5000/org-c/");
    RegistryAddress registry = RegistryAddress.of("127.0.0.1:5000", false);
    for (List<String> scopes : List.<List<String>>of(List.of("repository:org-b/secret:pull,push"), List.of("registry:catalog:*"),
        List.of("repository:org-c/app:pull", "repository:org-b/x:pull"), List.of())) {
      assertInstanceOf(ShareForbiddenException.class,
          failure(service.tokens().get(share, registry, RegistryReference.parse("127.0.0.1:5000/org-c/x"), scopes)), scopes.toString());
    }
    String audit = Files.readString(auditFile);
    assertTrue(audit.contains("\"scope\":\"repository:org-b/secret:pull,push\""), audit);
    assertTrue(audit.contains("\"outcome\":\"forbidden\""), audit);
  }

  @Test
  void aScopeWithWhitespaceOtherThanASpaceCannotSmuggleASecondScopeOutOfTheShare() throws Exception {
    // The request's scopes are split on spaces only, then joined with spaces for the token server.
    // A tab, a newline or a no-break space stayed inside one scope that began inside the share,
    // and a token server that splits on any whitespace (Python's str.split(), Go's strings.Fields)
    // read a second scope outside it, minted with the owner's host-wide login.
    store("127.0.0.1:5000", "<token>");
    Caller share = through("127.0.0.1:5000/org-c/");
    RegistryAddress registry = RegistryAddress.of("127.0.0.1:5000", false);
    for (String gap : List.of("\t", "\n", "\r", "\u000b", "\u000c", "\u00a0", "\u0085", "\u2028", "\u3000")) {
      String scope = "repository:org-c/app:pull" + gap + "repository:org-b/secret:pull,push";
      assertInstanceOf(ShareForbiddenException.class,
          failure(service.tokens().get(share, registry, RegistryReference.parse("127.0.0.1:5000/org-c/x"), List.of(scope))), scope);
    }
  }

  @Test
  void theAuditLineNamesTheKeyThatServed() throws Exception {
    store("ghcr.io/org-c/", "ORG-C");
    service.get(through("ghcr.io/org-c/"), RegistryReference.parse("ghcr.io/org-c/app")).join();
    String line = Files.readAllLines(auditFile).getLast();
    assertTrue(line.contains("\"server\":\"ghcr.io/org-c/app\"") && line.contains("\"key\":\"ghcr.io/org-c/\""), line);
  }

  @Test
  void everyOpNoShareServesIsRefusedByTheServiceWhicheverDoorItCameThrough() throws Exception {
    Caller share = through("ghcr.io/org-c/");
    assertInstanceOf(ShareForbiddenException.class, failure(service.unlock(share, TestKdf.secret("pw"))));
    assertInstanceOf(ShareForbiddenException.class,
        failure(service.store(share, "ghcr.io/org-c/x", new Credential("u", TestKdf.secret("s")))));
    assertInstanceOf(ShareForbiddenException.class, failure(service.erasure().erase(share, "ghcr.io", false)));
    assertInstanceOf(ShareForbiddenException.class, failure(service.erasure().restore(share, "ghcr.io")));
    assertInstanceOf(ShareForbiddenException.class, failure(service.logins().login(share,
        RegistryAddress.of("ghcr.io", false), "ghcr.io", "u", TestKdf.secret("p"))));
    assertInstanceOf(ShareForbiddenException.class, failure(service.sources().remove(share, "ghcr.io")));
    org.junit.jupiter.api.Assertions.assertThrows(ShareForbiddenException.class, () -> service.lock(share));
    org.junit.jupiter.api.Assertions.assertThrows(ShareForbiddenException.class, () -> service.sources().list(share));
    assertTrue(service.status().unlocked(), "the share locked nothing");
    store("ghcr.io/org-c/", "ERASED");
    service.erasure().erase(ME, "ghcr.io/org-c/", false).join();
    assertEquals(1, service.erasure().list(ME).size());
    assertEquals(List.of(), service.erasure().list(share), "no erased credential is named through a share");
  }

  @Test
  void aKeyWrittenAsAUrlWithAPathIsHostWideAndStaysOutOfAShareForOneOrganisation() throws Exception {
    store("https://ghcr.io/org-c/deploy", "DEPLOY"); // docker's rule: the host, path and all dropped
    assertEquals("DEPLOY", service.get(ME, RegistryReference.parse("ghcr.io")).join().username(), "the owner's socket answers the host with it");
    for (String pattern : List.of("ghcr.io/org-c/", "ghcr.io/org-c/deploy")) {
      Caller share = through(pattern);
      for (String asked : List.of("ghcr.io/org-c/deploy", "ghcr.io/org-c/app", "https://ghcr.io/org-c/deploy")) {
        assertInstanceOf(CredentialNotFoundException.class, failure(service.get(share, RegistryReference.parse(asked))), pattern + " " + asked);
      }
      assertTrue(service.list(share).isEmpty(), pattern);
    }
    assertEquals("DEPLOY", service.get(through("ghcr.io"), RegistryReference.parse("ghcr.io/org-c/app")).join().username(),
        "a share of the whole host serves it");
  }

  @Test
  void aKeyWithARegistryPathAndNoSchemeIsTheHostToAShareToo() throws Exception {
    store("127.0.0.1:5000/v1/", "TYPED"); // docker 20.10 keeps a login key as typed
    assertEquals("TYPED", service.get(through("127.0.0.1:5000"), RegistryReference.parse("127.0.0.1:5000")).join().username());
    Caller share = through("127.0.0.1:5000/v1/");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(share, RegistryReference.parse("127.0.0.1:5000/v1/app"))));
    assertTrue(service.list(share).isEmpty());
  }

  @Test
  void aShareCoversAKeyByWhatItAnswersNeverByItsText() {
    String[][] table = { // key, share pattern, covered
        {"https://ghcr.io/org-c/deploy", "ghcr.io/org-c/", "false"},
        {"https://ghcr.io/org-c/deploy", "ghcr.io", "true"},
        {"http://reg:5000/team/app", "reg:5000/team", "false"},
        {"http://reg:5000/team/app", "reg:5000", "true"},
        {"reg:5000/v2/", "reg:5000/v2", "false"},
        {"reg:5000/V1/", "reg:5000", "true"},
        {"ghcr.io/org-c/v2/", "ghcr.io/org-c/", "true"}, // a path pattern of org-c's, inside it
        {"GHCR.io/org-c/", "ghcr.io/org-c/", "true"},
        {"ghcr.io", "ghcr.io/org-c/", "false"},
        {"https://index.docker.io/v1/", "docker.io", "true"},
        {"https://index.docker.io/v1/", "docker.io/library/", "false"},
        {"*.example.com", "a.example.com", "false"},
        {"not a key", "ghcr.io", "false"}, // nothing a pattern states: only a share of everything holds it
    };
    for (String[] row : table) {
      ShareScope share = new ShareScope("s", List.of(RegistryPattern.parse(row[1])));
      assertEquals(Boolean.parseBoolean(row[2]), share.permits(null, row[0]), row[0] + " in " + row[1]);
    }
    assertTrue(new ShareScope("all", List.of()).permits(null, "not a key"));
  }

  /**
   * One predicate for every answer: what was asked, and the key that would serve it, each inside
   * the share. A repository asked inside it is not enough when the key is wider (a get), and a
   * key inside it is not enough when the name asked lies outside.
   */
  @Test
  void permitsJudgesBothWhatWasAskedAndTheKeyThatServes() {
    ShareScope share = new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io/org-c/")));
    RegistryReference inside = RegistryReference.parse("ghcr.io/org-c/app");
    RegistryReference outside = RegistryReference.parse("ghcr.io/org-b/app");
    assertTrue(share.permits(inside, "ghcr.io/org-c/"));
    assertTrue(share.permits(inside, null), "a token for it: no credential leaves");
    assertFalse(share.permits(inside, "ghcr.io"), "the host-wide login stays in");
    assertFalse(share.permits(outside, "ghcr.io/org-c/"));
    assertFalse(share.permits(outside, null));
  }

  /**
   * docker asks its helper for Docker Hub by docker's key, {@code https://index.docker.io/v1/}:
   * through a share of {@code docker.io} the list named that key while a get of it was not_found
   * (the name asked was matched by its text, index.docker.io, while the login served was judged by
   * all of Hub's hosts), so {@code docker pull} through the share had no login. Each of Hub's names
   * asked is Hub; a share of one of Hub's repositories still serves none of them.
   */
  @Test
  void aShareOfOneOfHubsHostsServesEachNameOfHubItsListNames() throws Exception {
    store("https://index.docker.io/v1/", "HUB");
    Caller share = through("docker.io");
    assertEquals(List.of("https://index.docker.io/v1/"), List.copyOf(service.list(share).keySet()));
    for (String name : List.of("https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io",
        "https://registry-1.docker.io/v2/")) {
      assertEquals("HUB", service.get(share, RegistryReference.parse(name)).join().username(), name);
    }
    Caller repository = through("docker.io/library/");
    assertTrue(service.list(repository).isEmpty());
    for (String name : List.of("https://index.docker.io/v1/", "docker.io", "docker.io/library/alpine")) {
      assertInstanceOf(CredentialNotFoundException.class, failure(service.get(repository, RegistryReference.parse(name))), name);
    }
  }

  /**
   * A token for a Docker Hub repository through a share of Hub (or of one of its organisations):
   * the scope's repository was read under docker's key for Hub, a URL
   * ({@code https://index.docker.io/v1//library/alpine}), which no pattern of Hub's hosts matches,
   * so every Hub token was refused through such a share. Past the share's checks this test's
   * service makes no logins: that failure, not a share's, is the token being let through.
   */
  @Test
  void aShareOfHubMintsTokensForHubRepositoriesInsideItOnly() {
    store("https://index.docker.io/v1/", "HUB");
    RegistryAddress hub = RegistryAddress.of("docker.io", false);
    RegistryReference lookup = RegistryReference.parse("https://index.docker.io/v1/");
    List<String> alpine = List.of("repository:library/alpine:pull");
    assertInstanceOf(LoginFailedException.class, failure(service.tokens().get(through("docker.io"), hub, lookup, alpine)));
    assertInstanceOf(LoginFailedException.class, failure(service.tokens().get(through("docker.io/library/"), hub,
        RegistryReference.parse("https://index.docker.io/v1//library/alpine"), alpine)));
    assertInstanceOf(ShareForbiddenException.class, failure(service.tokens().get(through("docker.io/library/"), hub,
        RegistryReference.parse("https://index.docker.io/v1//library/alpine"), List.of("repository:someone/x:pull"))));
    assertInstanceOf(CredentialNotFoundException.class, failure(service.tokens().get(through("ghcr.io"), hub, lookup, alpine)));
  }

  @Test
  void containmentOfPatterns() {
    RegistryPattern org = RegistryPattern.parse("ghcr.io/org-c/");
    assertTrue(org.contains(RegistryPattern.parse("ghcr.io/org-c/app")));
    assertTrue(org.contains(RegistryPattern.parse("ghcr.io/org-c")));
    assertFalse(org.contains(RegistryPattern.parse("ghcr.io/org-cc")));
    assertFalse(org.contains(RegistryPattern.parse("ghcr.io/org")));
    assertTrue(RegistryPattern.parse("*.example.com").contains(RegistryPattern.parse("app*.example.com")));
    assertFalse(RegistryPattern.parse("app*.example.com").contains(RegistryPattern.parse("*.example.com")));
    assertFalse(RegistryPattern.parse("r.example.com:5000").contains(RegistryPattern.parse("r.example.com/x")));
    ShareScope share = new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io/org-c/")));
    assertFalse(share.permits(null, "ghcr.io"));
    assertTrue(share.permits(ShareScope.tokenScope("ghcr.io", "repository:org-c/app:pull"), null));
    assertFalse(share.permits(ShareScope.tokenScope("ghcr.io", "repository:org-c/../org-b/x:pull"), null));
    assertFalse(share.permits(ShareScope.tokenScope("ghcr.io", "repository::pull"), null));
    assertFalse(share.permits(null, null), "a request that names nothing inside it");
    assertTrue(new ShareScope("all", List.of()).permits(null, null), "but a share of everything permits it");
  }
}
