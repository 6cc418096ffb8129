package dev.credagent.service;

import dev.credagent.vault.Argon2id;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * How the service runs work off the event loop (as Caffeine's {@code Async}): on an executor, as a
 * future that fails with the exception itself, so that a front door maps one type to one answer.
 */
public final class Async {
  private Async() {}

  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  static <T> CompletableFuture<T> on(Executor executor, Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          result.complete(work.run());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          result.completeExceptionally(e);
        } catch (Throwable e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RuntimeException rejected) { // shutting down
      result.completeExceptionally(rejected);
    }
    return result;
  }

  /**
   * Runs a key derivation. libargon2 hands its 128 MiB back by itself; where Bouncy Castle's
   * Java one runs instead, a full collection lets the heap shrink back, so that the daemon idles
   * small however often it is unlocked.
   */
  static <T> T deriving(Work<T> derivation) throws Exception {
    try {
      return derivation.run();
    } finally {
      if (Argon2id.get().usesJavaHeap()) {
        System.gc();
      }
    }
  }

  /** How {@code done} (finished) failed; null if it did not. */
  static Throwable failure(CompletableFuture<?> done) {
    if (!done.isCompletedExceptionally()) {
      return null;
    }
    try {
      done.join();
      throw new IllegalStateException("a failed future returned");
    } catch (CancellationException | CompletionException failed) {
      return failed;
    }
  }

  /** The cause a front door answers for: a future's failure without CompletionException around it. */
  public static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }
}
