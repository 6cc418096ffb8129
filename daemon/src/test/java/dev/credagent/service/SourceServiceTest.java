package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.source.SourceDefinition;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * source add, list and remove through the service, with real programs run by the real runner: a
 * change is what the next get runs (the cache of the old definition is emptied), a removed source
 * serves nothing, a list never shows an environment value, and a share may do none of it.
 */
class SourceServiceTest {
  private static final Caller ME = new Caller(1000, ProcessHandle.current().pid());
  private static final Caller SHARED = new Caller(1000, ProcessHandle.current().pid(), new ShareScope("s", List.of()));
  @TempDir Path home;
  private Vault vault;
  private CredentialService service;

  @BeforeEach
  void setUp() {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run, Runnable::run, null,
        () -> AgentConfig.DEFAULTS, AuditLog.NONE);
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  /** A program that prints {@code token}, as `aws ecr get-login-password` prints one. */
  private SourceDefinition printing(String name, String token, Map<String, String> env) throws Exception {
    Path program = home.resolve(name);
    Files.writeString(program, "#!/bin/sh\nprintf '%s\\n' '" + token + "'\n");
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
    return SourceDefinition.exec(program.toString(), "AWS", Duration.ofHours(1), env);
  }

  private String secretOf(String server) {
    Credential credential = service.get(ME, RegistryReference.parse(server)).join();
    try {
      return new String(credential.secret().toChars());
    } finally {
      credential.secret().destroy();
    }
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  @Test
  void aReplacedDefinitionIsWhatTheNextGetRuns() throws Exception {
    assertNull(service.sources().add(ME, "ecr.example", printing("one.sh", "token-1", Map.of())).join());
    assertEquals("token-1", secretOf("ecr.example"));
    assertEquals("token-1", secretOf("ecr.example"), "cached for its TTL");
    service.sources().add(ME, "ecr.example", printing("two.sh", "token-2", Map.of())).join();
    assertEquals("token-2", secretOf("ecr.example"), "the old definition's cached token is gone");
  }

  @Test
  void aRemovedSourceServesNothing() throws Exception {
    service.sources().add(ME, "ecr.example", printing("one.sh", "token-1", Map.of())).join();
    assertEquals("token-1", secretOf("ecr.example"));
    service.sources().remove(ME, "ecr.example").join();
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("ecr.example"))));
    assertEquals(Map.of(), service.sources().list(ME));
  }

  @Test
  void aSourceForAPatternServesTheNamesItMatches() throws Exception {
    service.sources().add(ME, "*.ecr.example", printing("p.sh", "pattern-token", Map.of())).join();
    assertEquals("pattern-token", secretOf("123.ecr.example"), "the resolver was told of the new pattern");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("ecr.example.evil"))));
  }

  @Test
  void aListShowsWhatRunsButNoEnvironmentValue() throws Exception {
    service.sources().add(ME, "ecr.example",
        printing("one.sh", "t", Map.of("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"))).join();
    vault.putSource("broken.example", "{not a definition");
    Map<String, String> listed = service.sources().list(ME);
    assertEquals(List.of("broken.example", "ecr.example"), List.copyOf(listed.keySet()));
    assertEquals("unreadable", listed.get("broken.example"));
    assertTrue(listed.get("ecr.example").contains("AWS_SECRET_ACCESS_KEY"), listed.toString());
    assertFalse(listed.toString().contains("wJalrXUtnFEMI"), "the value is the owner's secret");
  }

  @Test
  void aProgramNotOnPathIsAddedWithAWarningThatNamesIt() {
    SourceDefinition missing = SourceDefinition.exec("credagent-no-such-program-here", "AWS", Duration.ofHours(1), Map.of());
    String warning = service.sources().add(ME, "ecr.example", missing).join();
    assertTrue(warning != null && warning.contains("credagent-no-such-program-here"), warning);
  }

  @Test
  void aShareMayNeitherChangeNorSeeTheSources() throws Exception {
    assertInstanceOf(ShareForbiddenException.class,
        failure(service.sources().add(SHARED, "ecr.example", printing("one.sh", "t", Map.of()))));
    assertInstanceOf(ShareForbiddenException.class, failure(service.sources().remove(SHARED, "ecr.example")));
    assertThrows(ShareForbiddenException.class, () -> service.sources().list(SHARED));
    assertEquals(Map.of(), vault.sources());
  }

  @Test
  void aLockedVaultTakesNoSource() throws Exception {
    service.lock(ME);
    assertInstanceOf(VaultLockedException.class,
        failure(service.sources().add(ME, "ecr.example", printing("one.sh", "t", Map.of()))));
    assertThrows(VaultLockedException.class, () -> service.sources().list(ME));
  }

  @Test
  void aNameWithAControlCharacterIsRefused() throws Exception {
    assertInstanceOf(InvalidRequestException.class,
        failure(service.sources().add(ME, "ecr.example\u001b[2J", printing("one.sh", "t", Map.of()))));
  }
}
