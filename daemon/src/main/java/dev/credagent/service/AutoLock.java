package dev.credagent.service;

import dev.credagent.config.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When the vault locks itself, as gpg-agent's cache does: after {@code idle} without a credential
 * being used, and {@code max} after it was unlocked, whichever comes first (zero turns either
 * off). It only keeps the times; the service asks {@link #due} before every credential op and on
 * a timer, and locks.
 */
final class AutoLock {
  /** Why the vault is due to lock, for the log. */
  record Due(String reason) {}

  /** Time left on each TTL; null where that TTL is off (or the vault is locked). */
  record Remaining(Duration idle, Duration max) {}

  private final Clock clock;
  private Instant unlockedAt;
  private Instant lastUse;
  private Duration idle = Duration.ZERO;
  private Duration max = Duration.ZERO;

  AutoLock(Clock clock) {
    this.clock = clock;
  }

  synchronized void unlocked(Duration idleTtl, Duration maxTtl) {
    unlockedAt = lastUse = clock.instant();
    idle = idleTtl;
    max = maxTtl;
  }

  synchronized void used() {
    if (unlockedAt != null) {
      lastUse = clock.instant();
    }
  }

  synchronized void locked() {
    unlockedAt = lastUse = null;
  }

  synchronized Due due() {
    return unlockedAt == null ? null : dueAt(clock.instant());
  }

  /**
   * {@link #due}, and where the vault is not due, a use now ({@link #used}): what every credential
   * op asks, with one read of the clock and one lock where the two calls took two of each.
   */
  synchronized Due dueElseUsed() {
    if (unlockedAt == null) {
      return null;
    }
    Instant now = clock.instant();
    Due due = dueAt(now);
    if (due == null) {
      lastUse = now;
    }
    return due;
  }

  private Due dueAt(Instant now) {
    if (!max.isZero() && !now.isBefore(unlockedAt.plus(max))) {
      return new Due("unlocked " + describe(max) + " ago (max-ttl)");
    }
    if (!idle.isZero() && !now.isBefore(lastUse.plus(idle))) {
      return new Due("no credential used for " + describe(idle) + " (idle-ttl)");
    }
    return null;
  }

  synchronized Remaining remaining() {
    if (unlockedAt == null) {
      return new Remaining(null, null);
    }
    Instant now = clock.instant();
    return new Remaining(
        idle.isZero() ? null : positive(Duration.between(now, lastUse.plus(idle))),
        max.isZero() ? null : positive(Duration.between(now, unlockedAt.plus(max))));
  }

  private static Duration positive(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static String describe(Duration d) {
    return Durations.format(d);
  }
}
