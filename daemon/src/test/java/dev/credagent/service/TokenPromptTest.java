package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import dev.credagent.caller.Caller;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.prompt.DisplaySession;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 30, item 2: `credagent token` on a locked vault answered locked at once, where a get from
 * the same terminal asked for the passphrase. It asks as get does, once, and is answered after.
 */
class TokenPromptTest {
  private static final RegistryAddress REGISTRY = RegistryAddress.of("127.0.0.1:5000", true);

  @TempDir
  Path home;

  private final List<String> asked = new ArrayList<>();

  private TokenService tokens(Vault vault, AuditTrail trail, boolean unlockWhenAsked) {
    RequestGate gate = new RequestGate(trail, () -> {});
    Profiles profiles = new Profiles(vault, new CredentialResolver(vault), Runnable::run, gate, java.time.Clock.systemUTC());
    return new TokenService(null, profiles, gate, trail, vault::isUnlocked,
        (caller, wanted) -> {
          asked.add(wanted + " on " + caller.terminal());
          if (caller.share() != null) {
            return null;
          }
          if (unlockWhenAsked) {
            unlock(vault);
          }
          return CompletableFuture.completedFuture(null);
        });
  }

  private Vault lockedVault() {
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    unlock(vault);
    vault.lock();
    return vault;
  }

  private static void unlock(Vault vault) {
    try {
      vault.unlock(TestKdf.secret("pw"));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable failure(CompletableFuture<?> future) {
    try {
      future.join();
      throw new AssertionError("it succeeded");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void aLockedTokenFromATerminalAsksOnceAndGoesOnAfterTheUnlock() {
    Vault vault = lockedVault();
    AuditTrail trail = new AuditTrail(AuditLog.NONE, new TestClock());
    Caller fromTerminal = new Caller(1000, 11, null, "/dev/pts/7");
    // Past the lock: this daemon makes no logins, so the mint itself is refused, after the prompt.
    assertInstanceOf(LoginFailedException.class, failure(tokens(vault, trail, true).get(fromTerminal, REGISTRY, RegistryReference.parse("127.0.0.1:5000"), List.of())));
    assertEquals(List.of("a token for 127.0.0.1:5000 on /dev/pts/7"), asked);
  }

  @Test
  void aPromptThatDidNotUnlockAnswersLockedWithoutAskingAgain() {
    Vault vault = lockedVault();
    AuditTrail trail = new AuditTrail(AuditLog.NONE, new TestClock());
    Caller fromDisplay = new Caller(1000, 11, null, null).withPromptPlaces(null, new DisplaySession(":0", null, null, null, null), null);
    assertInstanceOf(VaultLockedException.class, failure(tokens(vault, trail, false).get(fromDisplay, REGISTRY, RegistryReference.parse("127.0.0.1:5000"), List.of())));
    assertEquals(1, asked.size(), "asked once: " + asked);
  }

  @Test
  void withNowhereToAskItAnswersLockedAtOnce() {
    Vault vault = lockedVault();
    AuditTrail trail = new AuditTrail(AuditLog.NONE, new TestClock());
    assertInstanceOf(VaultLockedException.class, failure(tokens(vault, trail, true).get(new Caller(1000, 11), REGISTRY, RegistryReference.parse("127.0.0.1:5000"), List.of())));
    assertTrue(asked.isEmpty());
  }
}
