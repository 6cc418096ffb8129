package dev.credagent.service;

import dev.credagent.vault.Credential;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
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

  /**
   * A change that keeps the credential it takes away from its key (a put of another one, a remove)
   * as erased at {@code at} by {@code by}, restorable for erased-ttl; with {@code kept} false (an
   * erased-ttl of zero) it only tells whether it replaced one.
   */
  record Keeping(Instant at, String by, boolean kept) {}

  /** {@code done}: whether the change took a different credential away from its key. */
  private record Pending(Vault.Change change, Keeping keeping, CompletableFuture<Boolean> done) {}

  private final Vault vault;
  private final ErasedCredentials erased;
  private final Executor writes;
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  WriteBatcher(Vault vault, Executor writes) {
    this.vault = vault;
    this.erased = new ErasedCredentials(vault);
    this.writes = writes;
  }

  /** Queues {@code change}; the future completes once it is on disk, or fails with why. */
  CompletableFuture<Void> submit(Vault.Change change) {
    return submit(change, null).thenApply(replaced -> null);
  }

  /**
   * Queues {@code change} (a put or a remove) so that the credential it takes away from its key,
   * where that is another credential than the one put, is kept as {@code keeping} says, written
   * before the change (a change whose kept copy the vault refuses is refused with it). Decided on the write thread, against the vault as the changes before it in the
   * batch leave it, so that no store between the look and the write can slip past. The future
   * says whether a different credential was taken away.
   */
  CompletableFuture<Boolean> submit(Vault.Change change, Keeping keeping) {
    Pending pending = new Pending(change, keeping, new CompletableFuture<>());
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
    List<Pending> drained = drainQueue(MAX_BATCH);
    if (drained.isEmpty()) {
      return;
    }
    for (List<Pending> run : runs(drained)) {
      write(run);
    }
    if (!queue.isEmpty()) {
      schedule();
    }
  }

  /**
   * {@code batch} cut where a change that keeps what it replaces meets a key an earlier change of
   * its run touched: its "before" would be that change's credential, as if it were made, but the
   * vault may refuse that one (full), and then a credential never live was kept and the one live
   * replaced without a trace. Across runs, each reads the vault as it is.
   */
  private static List<List<Pending>> runs(List<Pending> batch) {
    List<List<Pending>> runs = new ArrayList<>();
    List<Pending> run = new ArrayList<>();
    Set<String> touched = new HashSet<>();
    for (Pending pending : batch) {
      String key = pending.change().server();
      if (pending.keeping() != null && touched.contains(key)) {
        runs.add(run);
        run = new ArrayList<>();
        touched.clear();
      }
      run.add(pending);
      touched.add(key);
    }
    runs.add(run);
    return runs;
  }

  private void write(List<Pending> batch) {
    List<Credential> keptCopies = new ArrayList<>();
    try {
      // First the copies of what the batch replaces, then the batch: two durable writes where
      // anything is replaced, so that a kept copy the vault refuses (full) refuses its change
      // too, and a crash between them leaves the old credential both live and kept, never lost.
      List<Vault.Change> keeps = new ArrayList<>();
      int[] keptAt = new int[batch.size()];
      boolean[] replaced = new boolean[batch.size()];
      Map<String, Credential> batched = new HashMap<>(); // a key's credential after the changes before (null: removed)
      Set<String> taken = new HashSet<>();
      for (int i = 0; i < batch.size(); i++) {
        Pending pending = batch.get(i);
        String key = pending.change().server();
        keptAt[i] = -1;
        if (pending.keeping() != null) {
          Credential before = batched.containsKey(key) ? copyOrNull(batched.get(key))
              : vault.list().containsKey(key) ? vault.get(key) : null;
          if (before != null) {
            replaced[i] = !(pending.change() instanceof Vault.Put put) || !ErasedCredentials.same(before, put.credential());
            if (replaced[i] && pending.keeping().kept()) {
              keptCopies.add(before);
              keptAt[i] = keeps.size();
              keeps.add(erased.keep(key, before, pending.keeping().at(), pending.keeping().by(), taken));
            } else {
              before.secret().destroy();
            }
          }
        }
        switch (pending.change()) {
          case Vault.Put put -> batched.put(key, put.credential());
          case Vault.Remove remove -> batched.put(key, null);
          default -> { }
        }
      }
      List<VaultException> keptOutcomes = keeps.isEmpty() ? List.of() : vault.apply(keeps); // owns the copies from here
      keptCopies.clear();
      List<Vault.Change> changes = new ArrayList<>(batch.size());
      List<Pending> made = new ArrayList<>(batch.size());
      List<Boolean> madeReplaced = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        Pending pending = batch.get(i);
        VaultException notKept = keptAt[i] < 0 ? null : keptOutcomes.get(keptAt[i]);
        if (notKept != null) { // the replaced credential could not be kept: the change is not made
          if (pending.change() instanceof Vault.Put put) {
            put.credential().secret().destroy();
          }
          pending.done().completeExceptionally(notKept);
          continue;
        }
        changes.add(pending.change());
        made.add(pending);
        madeReplaced.add(replaced[i]);
      }
      List<VaultException> outcomes = changes.isEmpty() ? List.of() : vault.apply(changes);
      for (int i = 0; i < made.size(); i++) {
        if (outcomes.get(i) == null) {
          made.get(i).done().complete(madeReplaced.get(i));
        } else {
          made.get(i).done().completeExceptionally(outcomes.get(i));
        }
      }
    } catch (Throwable e) { // locked, the disk: none of the changes was made (a kept copy may have been)
      keptCopies.forEach(copy -> copy.secret().destroy());
      batch.stream().filter(pending -> !pending.done().isDone()).forEach(pending -> fail(List.of(pending), e));
    }
  }

  private static Credential copyOrNull(Credential credential) {
    return credential == null ? null : credential.copy();
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
