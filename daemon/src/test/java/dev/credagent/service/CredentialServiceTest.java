package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialServiceTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private CredentialService service;

  @BeforeEach
  void setUp() {
    service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run);
  }

  @Test
  void aLockTellsEveryListenerAtOnce() {
    AtomicInteger emptied = new AtomicInteger();
    service.onLock(emptied::incrementAndGet);
    service.onLock(emptied::incrementAndGet);
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.lock(ME);
    assertEquals(2, emptied.get());
  }

  @Test
  void statusCountsEveryRequestRefusedWhileLockedListsToo() {
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.lock(ME);
    assertThrows(CompletionException.class, () -> service.get(ME, RegistryReference.parse("r.example")).join());
    assertThrows(VaultLockedException.class, () -> service.list(ME)); // a helper's list: it said 2 after these 3
    assertThrows(CompletionException.class, () -> service.store(ME, "r.example", new Credential("u", TestKdf.secret("s"))).join());
    assertEquals(3, service.refusedWhileLocked().count());
  }

  @Test
  void aSecretHandedInIsWipedWhenTheStoreFails() {
    Secret secret = TestKdf.secret("s3cret");
    CompletionException failed = assertThrows(CompletionException.class,
        () -> service.store(ME, "r", new Credential("u", secret)).join());
    assertInstanceOf(VaultLockedException.class, Async.cause(failed));
    assertTrue(secret.isDestroyed(), "the service owned it, and wiped it");
  }

  @Test
  void thePassphraseIsWipedOnceUsedRightOrWrong() {
    Secret right = TestKdf.secret("pw");
    service.unlock(ME, right).join();
    assertTrue(right.isDestroyed());
    Secret wrong = TestKdf.secret("wrong");
    assertThrows(CompletionException.class, () -> service.unlock(ME, wrong).join());
    assertTrue(wrong.isDestroyed());
  }

  @Test
  void theCallerIsSaidAsItsPid() {
    assertEquals("pid 4242", ME.toString());
    assertEquals("uid 501", new Caller(501, Caller.UNKNOWN_PID).toString());
  }
}
