package dev.credagent.service;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real paths of the working directories requests came from, for a moment. {@link
 * Path#toRealPath} costs 20 µs and more here (a syscall per component), about what a whole get
 * costs the daemon, and one build's docker or Jib run asks many times from one directory. Kept
 * {@link #FRESH} (so a directory moved, or a symlink pointed elsewhere, is seen within it) and at
 * most {@link #MAX} entries (a client sending a new path each time evicts only its own).
 * Failures are not kept: a directory made a moment later is judged at once.
 *
 * <p>A working directory on a hung NFS or FUSE mount blocks its resolution for minutes, and the
 * requests' thread waited with it: four stalled requests stopped every client for four minutes.
 * So a path is resolved on {@link #THREADS} threads of its own, waited for {@link #WAIT} at most;
 * past that, or with every thread stuck, the path is {@link StalledPathException} (the request is
 * answered in the default profile, the audit line says why), and a path that stalled is not waited
 * for again for {@link #STALLED_FOR}.
 */
final class RealPathCache implements ProfileTable.RealPaths {
  static final Duration FRESH = Duration.ofSeconds(2);
  static final int MAX = 256;
  static final Duration WAIT = Duration.ofSeconds(1);
  static final Duration STALLED_FOR = Duration.ofMinutes(1);
  static final int THREADS = 4;

  private final Clock clock;
  private final ProfileTable.RealPaths resolver;
  private final Duration wait;
  private final ExecutorService resolving;
  private final Map<Path, Resolved> cache = bounded();
  /** Path to when it stalled; bounded as the cache. */
  private final Map<Path, Instant> stalled = bounded();

  private record Resolved(Path real, Instant at) {}

  private static <V> Map<Path, V> bounded() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Path, V> eldest) {
        return size() > MAX;
      }
    };
  }

  RealPathCache(Clock clock) {
    this(clock, Path::toRealPath, WAIT, THREADS);
  }

  RealPathCache(Clock clock, ProfileTable.RealPaths resolver, Duration wait, int threads) {
    this.clock = clock;
    this.resolver = resolver;
    this.wait = wait;
    // No queue: a task waits for nobody's stalled one; with every thread busy, the request is refused at once.
    this.resolving = new ThreadPoolExecutor(0, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
      Thread thread = new Thread(task, "credagent-realpath");
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public Path real(Path absolute) throws IOException {
    Instant now = clock.instant();
    synchronized (cache) {
      Resolved seen = cache.get(absolute);
      if (seen != null && now.isBefore(seen.at().plus(FRESH)) && !now.isBefore(seen.at())) {
        return seen.real();
      }
      Instant since = stalled.get(absolute);
      if (since != null && now.isBefore(since.plus(STALLED_FOR)) && !now.isBefore(since)) {
        throw new StalledPathException("did not resolve within " + wait.toMillis() + " ms a moment ago (a hung mount?); not waited for again");
      }
    }
    Future<Path> task;
    try {
      task = resolving.submit(() -> resolver.real(absolute));
    } catch (RejectedExecutionException busy) {
      throw new StalledPathException("was not resolved: every resolving thread waits on a directory that does not answer");
    }
    Path real;
    try {
      real = task.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException slow) {
      synchronized (cache) {
        stalled.put(absolute, now);
      }
      throw new StalledPathException("did not resolve within " + wait.toMillis() + " ms (a hung mount?)");
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof IOException e) {
        throw e;
      }
      if (failed.getCause() instanceof RuntimeException e) {
        throw e;
      }
      throw new IOException(failed.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while resolving a working directory");
    }
    synchronized (cache) {
      cache.put(absolute, new Resolved(real, now));
      stalled.remove(absolute);
    }
    return real;
  }

  int size() {
    synchronized (cache) {
      return cache.size();
    }
  }

  /** A working directory that could not be resolved in time: the reason, for the audit line, without the path. */
  static final class StalledPathException extends IOException {
    StalledPathException(String why) {
      super(why);
    }
  }
}
