package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.credagent.caller.Caller;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One credential for many registries: exact keys first, then the most specific pattern. */
class PatternRoutingTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private CredentialService service;

  @BeforeEach
  void setUp() {
    service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  private void store(String key, String username) {
    service.store(ME, key, new Credential(username, TestKdf.secret("s-" + username))).join();
  }

  private String usernameFor(String server) {
    return service.get(ME, RegistryReference.parse(server)).join().username();
  }

  @Test
  void onePatternServesEveryRegistryItMatches() {
    store("*.dkr.ecr.*.amazonaws.com", "AWS");
    assertEquals("AWS", usernameFor("123456789012.dkr.ecr.eu-west-1.amazonaws.com"));
    assertEquals("AWS", usernameFor("210987654321.dkr.ecr.us-east-1.amazonaws.com"));
    CompletionException none = assertThrows(CompletionException.class, () -> usernameFor("ghcr.io"));
    assertInstanceOf(CredentialNotFoundException.class, Async.cause(none));
  }

  @Test
  void anExactKeyComesBeforeAnyPatternAndTheMostSpecificPatternWins() {
    store("*.example.com", "wildcard");
    store("*.example.com:5000", "with-port");
    store("r.example.com", "exact");
    assertEquals("exact", usernameFor("r.example.com"));
    assertEquals("with-port", usernameFor("s.example.com:5000"));
    assertEquals("wildcard", usernameFor("s.example.com:5001"));
  }

  @Test
  void pathPatternsServeRepositoriesNotTheBareHost() {
    store("ghcr.io/team-a/", "a");
    store("ghcr.io/team-a/special", "special");
    store("ghcr.io", "host");
    assertEquals("a", usernameFor("ghcr.io/team-a/app"));
    assertEquals("special", usernameFor("ghcr.io/team-a/special/app"));
    assertEquals("host", usernameFor("ghcr.io"), "the helper asks for the host alone: the host's own key");
    assertEquals("host", usernameFor("ghcr.io/team-b/app"), "and so does no pattern match, then the exact host's key");
  }
}
