package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.WrongPassphraseException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unlock path as a part of its own, wired as the daemon wires it: the TTLs an unlock sets, the
 * one throttle that a wrong unlock and a wrong key-slot secret share, and the lock that tells the caches.
 */
class UnlockServiceTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private final TestClock clock = new TestClock();
  private Vault vault;
  private ServiceParts parts;
  private final List<Duration> waits = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    parts = ServiceParts.wire(vault, clock, Runnable::run, Runnable::run, Runnable::run, null,
        () -> AgentConfig.DEFAULTS, AuditLog.NONE, waits::add);
  }

  @Test
  void anUnlocksOwnIdleTtlLocksTheVaultOnceItRunsOutUnused() {
    parts.unlocking().unlock(ME, TestKdf.secret("pw"), new CredentialService.Ttl(Duration.ofMinutes(1), null), null).join();
    clock.advance(Duration.ofSeconds(59));
    assertTrue(parts.locks().usable(), "used now: the idle TTL starts again");
    clock.advance(Duration.ofSeconds(61));
    assertFalse(parts.locks().usable());
    assertFalse(vault.isUnlocked());
  }

  @Test
  void aWrongUnlockAndAWrongKeySlotSecretCountInTheOneThrottle() {
    parts.unlocking().unlock(ME, TestKdf.secret("pw"), CredentialService.Ttl.CONFIGURED, null).join();
    CompletionException wrong = assertThrows(CompletionException.class,
        () -> parts.unlocking().unlock(ME, TestKdf.secret("guess"), CredentialService.Ttl.CONFIGURED, null).join());
    assertInstanceOf(WrongPassphraseException.class, Async.cause(wrong));
    assertThrows(CompletionException.class, () -> parts.keySlots().remove(ME, 0, TestKdf.secret("guess")).join());
    assertEquals(2, parts.unlocking().throttle().failures());
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), waits, "the second door's guess waits longer");
    parts.unlocking().unlock(ME, TestKdf.secret("pw"), CredentialService.Ttl.CONFIGURED, null).join();
    assertEquals(0, parts.unlocking().throttle().failures(), "a right passphrase starts over");
  }

  @Test
  void aLockWipesTheKeyAndTellsEveryCache() {
    AtomicInteger told = new AtomicInteger();
    parts.locks().onLock(told::incrementAndGet);
    parts.unlocking().unlock(ME, TestKdf.secret("pw"), CredentialService.Ttl.CONFIGURED, null).join();
    parts.unlocking().lock(ME);
    assertFalse(vault.isUnlocked());
    assertEquals(1, told.get());
  }

  /**
   * Wrong guesses through every door (unlock, passwd, keyslot add and remove) ask the injected
   * pause for the growing delays, one after the other on the unlock thread, instead of each door
   * sleeping on its own: twelve guesses here would have slept 7.8 s.
   */
  @Test
  void wrongGuessesAtEveryDoorAskForTheGrowingDelaysWithoutSleeping() {
    parts.unlocking().unlock(ME, TestKdf.secret("pw"), CredentialService.Ttl.CONFIGURED, null).join();
    for (int round = 0; round < 3; round++) {
      assertThrows(CompletionException.class,
          () -> parts.unlocking().unlock(ME, TestKdf.secret("guess"), CredentialService.Ttl.CONFIGURED, null).join());
      assertThrows(CompletionException.class,
          () -> parts.keySlots().passwd(ME, "passphrase", false, TestKdf.secret("guess"), TestKdf.secret("new")).join());
      assertThrows(CompletionException.class,
          () -> parts.keySlots().add(ME, "recovery", null, TestKdf.secret("guess")).join());
      assertThrows(CompletionException.class, () -> parts.keySlots().remove(ME, 0, TestKdf.secret("guess")).join());
    }
    assertEquals(java.util.stream.IntStream.rangeClosed(1, 12).mapToObj(n -> Duration.ofMillis(100L * n)).toList(), waits);
  }
}
