package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.vault.Vault;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * Whether the vault is open, and for how long yet: the auto-lock TTLs, the lock itself, and the
 * caches told of it. Every credential op asks it first ({@link #usable}), so no credential is
 * handed out a moment after a TTL ran out.
 */
final class LockState {
  private static final Logger LOG = Logger.getLogger(CredentialService.class.getName());

  private final Vault vault;
  private final AuditTrail trail;
  private final AutoLock autoLock;
  private final List<Runnable> lockListeners = new CopyOnWriteArrayList<>();

  LockState(Vault vault, Clock clock, AuditTrail trail) {
    this.vault = vault;
    this.trail = trail;
    this.autoLock = new AutoLock(clock);
    onLock(autoLock::locked);
  }

  /** Runs {@code listener} whenever the vault locks (a lock, a stop): caches empty themselves. */
  void onLock(Runnable listener) {
    lockListeners.add(listener);
  }

  /** The vault opened: it locks itself after {@code idle} unused, or {@code max} after now (null: never). */
  void unlocked(Duration idle, Duration max) {
    autoLock.unlocked(idle, max);
  }

  /**
   * Locks the vault if an auto-lock TTL has run out. Called before every credential op (so no
   * credential is handed out a moment too late) and by the daemon's timer (so the key leaves
   * memory on time even when nobody asks).
   */
  void expireIfDue() {
    lockIf(autoLock.due());
  }

  private void lockIf(AutoLock.Due due) {
    if (due != null) {
      lockNow("vault locked by itself: " + due.reason());
      trail.record(Caller.self(), "lock", null, "auto-lock: " + due.reason());
    }
  }

  /** The key and every secret leave memory, and every cache is told. */
  void lockNow(String logLine) {
    vault.lock();
    LOG.info(logLine);
    lockListeners.forEach(Runnable::run);
  }

  /** Expires the vault if due, then says whether it is unlocked; a credential op counts as use. */
  boolean usable() {
    lockIf(autoLock.dueElseUsed()); // a use of a vault just locked is none (used() did nothing then either)
    return vault.isUnlocked();
  }

  /** Time left before the vault locks by itself, per TTL (null: off, or locked already). */
  AutoLock.Remaining remaining() {
    expireIfDue();
    return autoLock.remaining();
  }
}
