package dev.credagent.daemon;

import java.util.function.LongSupplier;

/**
 * Gives memory back once the daemon goes quiet. Serial GC shrinks the heap only in a full
 * collection, and a daemon that idles all day never needs one: what a burst of requests left
 * behind would stay resident. So, checked every few seconds: when there was activity since the
 * check before last and none since the last one, collect once. A busy daemon is never collected
 * this way, an idle one at most once per burst (G1 does the same with G1PeriodicGCInterval, at a
 * cost of 33 MiB of its own structures).
 */
final class IdleCollector implements Runnable {
  private final LongSupplier activity;
  private final Runnable collect;
  private long seen;
  private boolean dirty;

  /** {@code activity}: a counter that grows with every request; {@code collect}: {@code System::gc}. */
  IdleCollector(LongSupplier activity, Runnable collect) {
    this.activity = activity;
    this.collect = collect;
    this.seen = activity.getAsLong();
  }

  /** One check; the daemon runs it on a schedule, tests call it directly. */
  @Override
  public void run() {
    long now = activity.getAsLong();
    if (now != seen) {
      seen = now;
      dirty = true;
    } else if (dirty) {
      dirty = false;
      collect.run();
    }
  }
}
