package dev.credagent.source;

import dev.credagent.vault.Credential;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One source's cached value, as ECR's helper treats its 12 h tokens: fresh for half its TTL;
 * past half, still served while a run refreshes it in the background; past its TTL, gone, and
 * the caller waits for a run. One run at a time. After a failure, no new run before a backoff (1
 * s, doubling to 5 min), and the caller gets the failure: never a value past its TTL.
 *
 * <p>Hand-written rather than Caffeine: Caffeine's refresh-after-write is one duration per cache,
 * and each source has its own TTL.
 */
final class CachedSource {
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** Runs the source once (on the executor). */
  @FunctionalInterface
  interface Run {
    Credential run() throws Exception;
  }

  private final String stored;
  private final SourceDefinition definition;
  private final Run run;
  private final Executor executor;
  private final Clock clock;
  private Credential value;
  private Instant fetchedAt;
  private CompletableFuture<Credential> running;
  private int failures;
  private Instant retryAt = Instant.MIN;
  private Throwable lastFailure;
  private long generation;
  private int runs;

  /** {@code stored}: the definition as the vault keeps it, to tell when it has changed. */
  CachedSource(String stored, SourceDefinition definition, Run run, Executor executor, Clock clock) {
    this.stored = stored;
    this.definition = definition;
    this.run = run;
    this.executor = executor;
    this.clock = clock;
  }

  String stored() {
    return stored;
  }

  /** A copy the caller owns. */
  synchronized CompletableFuture<Credential> get() {
    Instant now = clock.instant();
    if (value != null && now.isBefore(fetchedAt.plus(definition.ttl()))) {
      if (!now.isBefore(fetchedAt.plus(definition.ttl().dividedBy(2))) && running == null && !now.isBefore(retryAt)) {
        start(); // past half its life and in use: refresh ahead of expiry, serving this one meanwhile
      }
      return CompletableFuture.completedFuture(value.copy());
    }
    drop();
    CompletableFuture<Credential> attempt = running;
    if (attempt == null) {
      if (now.isBefore(retryAt)) {
        return CompletableFuture.failedFuture(new SourceFailedException(lastFailure.getMessage()
            + " (tried again in " + Math.max(1, Duration.between(now, retryAt).toSeconds()) + " s)"));
      }
      // The attempt start made, not the field: an executor may run it at once, on this thread,
      // and its end sets the field back to null before start returns.
      attempt = start();
    }
    return attempt.thenApply(Credential::copy);
  }

  /** Forgets the value (a lock): it is wiped, and a run under way stores nothing. */
  synchronized void clear() {
    generation++;
    drop();
    running = null;
  }

  /** Why the last run failed, while no run has succeeded since; null otherwise. */
  synchronized String failing() {
    return failures > 0 && lastFailure != null ? lastFailure.getMessage() : null;
  }

  synchronized int runs() {
    return runs;
  }

  private CompletableFuture<Credential> start() {
    long started = generation;
    runs++;
    CompletableFuture<Credential> attempt = new CompletableFuture<>();
    running = attempt;
    executor.execute(() -> {
      try {
        finished(started, attempt, run.run(), null);
      } catch (Throwable e) {
        finished(started, attempt, null, e);
      }
    });
    return attempt;
  }

  private synchronized void finished(long started, CompletableFuture<Credential> attempt, Credential fresh, Throwable failure) {
    if (started != generation) {
      if (fresh != null) {
        fresh.secret().destroy(); // cleared meanwhile: keep nothing
      }
      attempt.completeExceptionally(new SourceFailedException("the vault was locked while the source ran"));
      return;
    }
    if (running == attempt) {
      running = null;
    }
    if (failure != null) {
      failures++;
      lastFailure = failure;
      long seconds = Math.min(MAX_BACKOFF.toSeconds(), 1L << Math.min(failures - 1, 20));
      retryAt = clock.instant().plusSeconds(seconds);
      attempt.completeExceptionally(failure);
      return;
    }
    failures = 0;
    retryAt = Instant.MIN;
    drop();
    value = fresh;
    fetchedAt = clock.instant();
    attempt.complete(fresh);
  }

  private void drop() {
    if (value != null) {
      value.secret().destroy();
      value = null;
    }
  }
}
