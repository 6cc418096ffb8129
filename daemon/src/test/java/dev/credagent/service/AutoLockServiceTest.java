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
import dev.credagent.config.AgentConfig;
import dev.credagent.vault.Credential;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vault locks itself after the idle and the max TTL, moved by the service's clock, never slept on. */
class AutoLockServiceTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private final TestClock clock = new TestClock();
  private AgentConfig config = AgentConfig.DEFAULTS; // 1 h idle, 8 h max

  private CredentialService service() {
    CredentialService service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run, Runnable::run, null, () -> config, AuditLog.NONE);
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.store(ME, "r.example", new Credential("u", TestKdf.secret("s"))).join();
    return service;
  }

  @Test
  void aConfigThatCannotBeUsedRefusesTheUnlockBeforeAnyKeyIsInstalled() {
    CredentialService service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run, Runnable::run, null, () -> {
          throw new dev.credagent.config.ConfigException("config.toml line 2: idle-ttl: not a duration");
        }, AuditLog.NONE);
    CompletionException e = assertThrows(CompletionException.class, () -> service.unlock(ME, TestKdf.secret("pw")).join());
    assertTrue(Async.cause(e).getMessage().contains("config.toml line 2"), e.toString());
    assertFalse(service.status().unlocked(), "no vault left unlocked without its auto-lock");
  }

  /**
   * Every credential op asks whether the vault is due to lock and counts as a use: one read of the
   * clock for both, so the use is the very instant that was judged not due.
   */
  @Test
  void aReadIsJudgedAndCountedWithOneReadOfTheClock() {
    int[] reads = {0};
    java.time.Clock counted = new java.time.Clock() {
      @Override
      public java.time.Instant instant() {
        reads[0]++;
        return clock.instant();
      }

      @Override
      public java.time.ZoneId getZone() {
        return clock.getZone();
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
    AutoLock autoLock = new AutoLock(counted);
    autoLock.unlocked(Duration.ofHours(1), Duration.ofHours(8));
    clock.advance(Duration.ofMinutes(59));
    reads[0] = 0;
    assertNull(autoLock.dueElseUsed());
    assertEquals(1, reads[0]);
    clock.advance(Duration.ofMinutes(59));
    assertNull(autoLock.due(), "the read above was a use: 59 minutes since");
    clock.advance(Duration.ofMinutes(2));
    assertEquals("no credential used for 1h (idle-ttl)", autoLock.dueElseUsed().reason());
    assertEquals("no credential used for 1h (idle-ttl)", autoLock.due().reason(), "a read found due is no use");
  }

  @Test
  void anHourWithoutAReadLocksTheVault() {
    CredentialService service = service();
    clock.advance(Duration.ofMinutes(59));
    service.expireIfDue();
    assertTrue(service.status().unlocked(), "59 minutes: still open");
    clock.advance(Duration.ofMinutes(2));
    service.expireIfDue();
    assertFalse(service.status().unlocked(), "61 minutes idle: locked by the timer");
  }

  @Test
  void aReadPostponesTheIdleLockButNotTheMaxOne() {
    CredentialService service = service();
    for (int i = 0; i < 15; i++) { // a read every 30 minutes, for 7.5 hours
      clock.advance(Duration.ofMinutes(30));
      service.get(ME, RegistryReference.parse("r.example")).join().secret().destroy();
    }
    clock.advance(Duration.ofMinutes(29));
    service.expireIfDue();
    assertTrue(service.status().unlocked(), "7 h 59 m, read 29 minutes ago");
    clock.advance(Duration.ofMinutes(1));
    assertLocked(service); // 8 h since the unlock, though read 30 minutes ago
  }

  /** passwd checks the current passphrase with an unlock: it reset `unlock --ttl 2m` to the config's 8 h. */
  @Test
  void anUnlockOfAnOpenVaultThatNamesNoTtlKeepsTheDeadlinesItHad() {
    CredentialService service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run, Runnable::run, null, () -> config, AuditLog.NONE);
    Duration twoMinutes = Duration.ofMinutes(2);
    service.unlock(ME, TestKdf.secret("pw"), new CredentialService.Ttl(twoMinutes, twoMinutes)).join();
    clock.advance(Duration.ofMinutes(1));
    assertEquals(Vault.Unlocked.ALREADY, service.unlock(ME, TestKdf.secret("pw")).join());
    clock.advance(Duration.ofSeconds(61));
    service.expireIfDue();
    assertFalse(service.status().unlocked(), "2 minutes after the unlock that chose them");
    // One that names a TTL still sets it.
    service.unlock(ME, TestKdf.secret("pw"), new CredentialService.Ttl(twoMinutes, twoMinutes)).join();
    service.unlock(ME, TestKdf.secret("pw"), new CredentialService.Ttl(Duration.ofHours(1), Duration.ofHours(1))).join();
    clock.advance(Duration.ofMinutes(3));
    service.expireIfDue();
    assertTrue(service.status().unlocked(), "the second unlock's hour");
  }

  @Test
  void aReadAfterTheTtlIsRefusedEvenBeforeTheTimerRuns() {
    CredentialService service = service();
    clock.advance(Duration.ofMinutes(61));
    assertLocked(service); // no expireIfDue() from a timer in between
  }

  @Test
  void zeroTurnsEitherTtlOff() {
    config = new AgentConfig(Duration.ZERO, Duration.ZERO, 1 << 20);
    CredentialService service = service();
    clock.advance(Duration.ofDays(30));
    service.expireIfDue();
    assertTrue(service.status().unlocked());
    assertNull(service.autoLockRemaining().idle());
    assertNull(service.autoLockRemaining().max());
  }

  @Test
  void anUnlocksOwnTtlWinsOverTheConfig() {
    CredentialService service = service();
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw"), new CredentialService.Ttl(null, Duration.ofMinutes(30))).join();
    assertEquals(Duration.ofMinutes(30), service.autoLockRemaining().max());
    assertEquals(Duration.ofHours(1), service.autoLockRemaining().idle());
    clock.advance(Duration.ofMinutes(20));
    service.get(ME, RegistryReference.parse("r.example")).join().secret().destroy();
    assertEquals(Duration.ofMinutes(10), service.autoLockRemaining().max());
    assertEquals(Duration.ofHours(1), service.autoLockRemaining().idle(), "the read restarted the idle TTL");
    clock.advance(Duration.ofMinutes(10));
    assertLocked(service);
  }

  @Test
  void theConfigIsReadAgainAtEachUnlock() {
    CredentialService service = service();
    config = new AgentConfig(Duration.ofMinutes(5), Duration.ZERO, 1 << 20);
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw")).join();
    clock.advance(Duration.ofMinutes(6));
    assertLocked(service);
  }

  @Test
  void anAutoLockEmptiesTheCachesAsALockDoes() {
    CredentialService service = service();
    AtomicInteger emptied = new AtomicInteger();
    service.onLock(emptied::incrementAndGet);
    clock.advance(Duration.ofHours(2));
    service.expireIfDue();
    service.expireIfDue(); // once locked, nothing more is due
    assertEquals(1, emptied.get());
  }

  /**
   * The instant a deadline falls is locked already, for the idle TTL and for the max one: a get at
   * exactly 1 h since the last use (or 8 h since the unlock) is refused, one nanosecond before it
   * is answered, and counts as the use that moves the idle deadline (one read of the clock judges
   * and counts, so no get can slip in on a time read before the deadline and counted after).
   */
  @Test
  void aGetAtTheVeryInstantOfADeadlineIsRefused() {
    CredentialService service = service();
    clock.advance(Duration.ofHours(1).minusNanos(1));
    service.get(ME, RegistryReference.parse("r.example")).join().secret().destroy();
    clock.advance(Duration.ofHours(1).minusNanos(1));
    service.get(ME, RegistryReference.parse("r.example")).join().secret().destroy(); // used 1 h - 1 ns ago: still open
    clock.advance(Duration.ofHours(1));
    assertLocked(service); // exactly 1 h after the last use

    CredentialService max = new CredentialService(new Vault(home.resolve("vault2"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run, Runnable::run, null, () -> config, AuditLog.NONE);
    max.unlock(ME, TestKdf.secret("pw")).join();
    max.store(ME, "r.example", new Credential("u", TestKdf.secret("s"))).join();
    for (int i = 0; i < 8; i++) { // a get every 59 minutes keeps the idle TTL away
      clock.advance(Duration.ofMinutes(59));
      max.get(ME, RegistryReference.parse("r.example")).join().secret().destroy();
    }
    clock.advance(Duration.ofHours(8).minus(Duration.ofMinutes(8 * 59)).minusNanos(1));
    max.get(ME, RegistryReference.parse("r.example")).join().secret().destroy(); // 8 h - 1 ns since the unlock
    clock.advance(Duration.ofNanos(1));
    assertLocked(max); // exactly 8 h
  }

  private static void assertLocked(CredentialService service) {
    CompletionException e = assertThrows(CompletionException.class, () -> service.get(ME, RegistryReference.parse("r.example")).join());
    assertInstanceOf(VaultLockedException.class, Async.cause(e));
    assertFalse(service.status().unlocked());
  }
}
