package dev.credagent.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of unfinished requests that all connections together may make the daemon hold. A
 * line may be 4 MiB, but 400 connections each sending half of one would otherwise hold 800 MiB.
 */
final class InputBudget {
  private final long limit;
  private final AtomicLong held = new AtomicLong();

  InputBudget(long limit) {
    this.limit = limit;
  }

  /**
   * Records that one connection now holds {@code after} bytes where it held {@code before}; false
   * when that takes the total over the limit (recorded all the same: the caller closes and
   * releases).
   */
  boolean update(long before, long after) {
    long total = held.addAndGet(after - before);
    return after <= before || total <= limit;
  }

  long held() {
    return held.get();
  }
}
