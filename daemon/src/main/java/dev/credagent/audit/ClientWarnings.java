package dev.credagent.audit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Warnings about what a client sent (a bad frame, a request cut off or too slow), bounded: the
 * daemon log is never rotated, and a client (a share's far side) can open thousands of
 * connections a second, each with a bad frame: 30,000 in 10 s grew daemon.log by 4.9 MB, with no
 * end but the disk, whose filling would then silence the audit log. The first {@link #FIRST} are
 * logged; past them only the 10th, 100th, 1000th... of the daemon's life, each with the count, as
 * the connection cap logs one refusal per thousand.
 */
public final class ClientWarnings {
  static final int FIRST = 100;
  public static final ClientWarnings SHARED = new ClientWarnings();

  private final AtomicLong count = new AtomicLong();

  /** {@code message} as the next warning should say it, or null when this one is counted only. */
  public String next(String message) {
    long n = count.incrementAndGet();
    if (n <= FIRST) {
      return message;
    }
    long power = 10;
    while (power < n) {
      power *= 10;
    }
    return power == n ? message + " (" + n + " warnings about clients' input so far; past " + FIRST
        + ", only each 10th, 100th, 1000th... is logged)" : null;
  }
}
