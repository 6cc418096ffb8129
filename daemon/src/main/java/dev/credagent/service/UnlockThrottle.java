package dev.credagent.service;

import java.time.Duration;

/**
 * The growing pause after each wrong passphrase, as ssh-agent does: 0.1 s more per consecutive
 * failure, at most 10 s, back to nothing after a success. It makes guessing through the socket
 * slow on top of Argon2's own cost.
 */
final class UnlockThrottle {
  static final Duration STEP = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(10);

  private int failures;

  /** Records a failure and says how long to wait before answering it. */
  synchronized Duration failed() {
    failures++;
    Duration delay = STEP.multipliedBy(failures);
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }

  synchronized void succeeded() {
    failures = 0;
  }

  synchronized int failures() {
    return failures;
  }
}
