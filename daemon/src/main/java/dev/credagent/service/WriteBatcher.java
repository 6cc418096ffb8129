package dev.credagent.service;

import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Group commit for stores and erases: the changes that queue up while a write (an fsync) is in
 * flight go into the next write together, on the write thread, and each is acknowledged only once
 * the write that holds it is durable. One change alone is written at once, as before; a burst of
 * N costs a few writes instead of N, each of which re-encrypts the whole vault.
 */
final class WriteBatcher {
  /** Changes per write at most: bounds one write's work and the time its first change waits. */
  static final int MAX_BATCH = 1024;

  private record Pending(Vault.Change change, CompletableFuture<Void> done) {}

  private final Vault vault;
  private final Executor writes;
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  WriteBatcher(Vault vault, Executor writes) {
    this.vault = vault;
    this.writes = writes;
  }

  /** Queues {@code change}; the future completes once it is on disk, or fails with why. */
  CompletableFuture<Void> submit(Vault.Change change) {
    Pending pending = new Pending(change, new CompletableFuture<>());
    queue.add(pending);
    schedule();
    return pending.done();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        writes.execute(this::drain);
      } catch (RejectedExecutionException shuttingDown) {
        scheduled.set(false);
        fail(drainQueue(Integer.MAX_VALUE), shuttingDown);
      }
    }
  }

  private void drain() {
    scheduled.set(false); // first: a change queued after the poll below schedules the next write
    List<Pending> batch = drainQueue(MAX_BATCH);
    if (batch.isEmpty()) {
      return;
    }
    try {
      List<VaultException> outcomes = vault.apply(batch.stream().map(Pending::change).toList());
      for (int i = 0; i < batch.size(); i++) {
        if (outcomes.get(i) == null) {
          batch.get(i).done().complete(null);
        } else {
          batch.get(i).done().completeExceptionally(outcomes.get(i));
        }
      }
    } catch (Throwable e) { // locked, the disk: none of them was made
      fail(batch, e);
    }
    if (!queue.isEmpty()) {
      schedule();
    }
  }

  private List<Pending> drainQueue(int most) {
    List<Pending> batch = new ArrayList<>();
    Pending next;
    while (batch.size() < most && (next = queue.poll()) != null) {
      batch.add(next);
    }
    return batch;
  }

  /** Fails every change of {@code batch}; the secrets handed in are the service's to wipe. */
  private static void fail(List<Pending> batch, Throwable why) {
    for (Pending pending : batch) {
      if (pending.change() instanceof Vault.Put put) {
        put.credential().secret().destroy();
      }
      pending.done().completeExceptionally(why);
    }
  }
}
