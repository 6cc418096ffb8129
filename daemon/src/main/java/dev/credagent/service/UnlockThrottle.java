package dev.credagent.service;

import dev.credagent.caller.Caller;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The growing pause after each wrong passphrase, as ssh-agent does: 0.1 s more per consecutive
 * failure, at most 10 s, back to nothing after a success. It makes guessing through the socket
 * slow on top of Argon2's own cost. One throttle for every door that checks a secret (unlock,
 * passwd, keyslot add and remove), so that a guess costs the same through each, and each is
 * logged alike.
 */
final class UnlockThrottle {
  static final Duration STEP = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(10);
  private static final Logger LOG = Logger.getLogger(UnlockThrottle.class.getName());

  /**
   * How the delay is waited out: {@link #SLEEP} in the daemon; a test records the waits asked
   * for instead, so that its guesses take no time (time is injected, never slept on).
   */
  @FunctionalInterface
  interface Pause {
    Pause SLEEP = Thread::sleep;

    void waitOut(Duration delay) throws InterruptedException;
  }

  private final Pause pause;
  private int failures;

  UnlockThrottle(Pause pause) {
    this.pause = pause;
  }

  /** Records a failure and says how long to wait before answering it. */
  synchronized Duration failed() {
    failures++;
    Duration delay = STEP.multipliedBy(failures);
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }

  /**
   * A wrong secret at {@code door} ("unlock", "keyslot remove"...): counted, logged in the daemon
   * log (never the secret), and waited out here, on the calling thread. That thread is the unlock
   * thread on purpose: attempts on other connections wait their turn too, and the answer leaves
   * after the wait.
   */
  void penalize(Caller caller, String door) throws InterruptedException {
    Duration delay;
    int inARow;
    synchronized (this) {
      delay = failed();
      inARow = failures;
    }
    LOG.warning("wrong passphrase (" + door + ", " + inARow + " in a row, " + caller + "); answering in "
        + delay.toMillis() + " ms");
    pause.waitOut(delay);
  }

  synchronized void succeeded() {
    failures = 0;
  }

  synchronized int failures() {
    return failures;
  }
}
