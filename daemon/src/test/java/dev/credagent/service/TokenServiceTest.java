package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What stands between a token request and the registry's token server: the gate, the scopes'
 * length, the share's patterns (a name outside the share is answered as one with nothing stored,
 * telling nothing), and the lock. This service has no registry client, so a request that passes
 * every check ends at "no logins": where it would be minted.
 */
class TokenServiceTest {
  private static final long PID = ProcessHandle.current().pid();
  private static final Caller ME = new Caller(1000, PID);
  private static final RegistryAddress REGISTRY = RegistryAddress.of("127.0.0.1:5000", false);
  @TempDir Path home;
  private Path auditFile;
  private CredentialService service;

  @BeforeEach
  void setUp() {
    auditFile = home.resolve("audit.log");
    service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), new TestClock(), Runnable::run,
        Runnable::run, Runnable::run, null, () -> AgentConfig.DEFAULTS, new AuditLog(auditFile, 1 << 20, new TestClock()));
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.store(ME, "127.0.0.1:5000", new Credential("u", TestKdf.secret("s"))).join();
  }

  private static Caller through(String pattern) {
    return new Caller(1000, PID, new ShareScope("s", List.of(RegistryPattern.parse(pattern))));
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  @Test
  void aRequestThatPassesEveryCheckGoesOnToBeMinted() {
    Throwable minting = failure(service.tokens().get(ME, REGISTRY, RegistryReference.parse("127.0.0.1:5000"), List.of("repository:a/b:pull")));
    assertInstanceOf(LoginFailedException.class, minting);
    assertEquals("this daemon makes no logins", minting.getMessage());
    Throwable shared = failure(service.tokens().get(through("127.0.0.1:5000/org-c/"), REGISTRY, RegistryReference.parse("127.0.0.1:5000/org-c/app"),
        List.of("repository:org-c/app:pull")));
    assertInstanceOf(LoginFailedException.class, shared, "a scope inside the share passes");
  }

  @Test
  void aNameOutsideTheShareIsAnsweredAsNothingStored() throws Exception {
    Throwable outside = failure(service.tokens().get(through("127.0.0.1:5000/org-c/"), REGISTRY, RegistryReference.parse("127.0.0.1:5000/org-b/app"),
        List.of("repository:org-b/app:pull")));
    assertInstanceOf(CredentialNotFoundException.class, outside, "not forbidden: the share learns nothing of what exists");
    assertTrue(Files.readString(auditFile).contains("org-b/app"), "audited all the same");
  }

  @Test
  void scopesLongerThanAnyRegistryNeedsAreRefusedBeforeAnythingElse() {
    List<String> many = Collections.nCopies(200, "repository:org/app:pull");
    Throwable tooLong = failure(service.tokens().get(ME, REGISTRY, RegistryReference.parse("127.0.0.1:5000"), many));
    assertInstanceOf(InvalidRequestException.class, tooLong);
    assertTrue(tooLong.getMessage().contains("2048"), tooLong.getMessage());
    assertInstanceOf(LoginFailedException.class, failure(service.tokens().get(ME, REGISTRY, RegistryReference.parse("127.0.0.1:5000"),
        List.of("x".repeat(2048)))), "the limit itself passes");
  }

  @Test
  void aLookupWithAControlCharacterIsRefused() {
    assertInstanceOf(InvalidRequestException.class,
        failure(service.tokens().get(ME, REGISTRY, RegistryReference.parse("127.0.0.1:5000\r\nX-Forged: 1"), List.of())));
  }

  @Test
  void aLockedVaultMintsNothing() {
    service.lock(ME);
    assertInstanceOf(VaultLockedException.class,
        failure(service.tokens().get(ME, REGISTRY, RegistryReference.parse("127.0.0.1:5000"), List.of("repository:a/b:pull"))));
  }
}
