package dev.credagent.service;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real paths of the working directories requests came from, for a moment. {@link
 * Path#toRealPath} costs 20 µs and more here (a syscall per component), about what a whole get
 * costs the daemon, and one build's docker or Jib run asks many times from one directory. Kept
 * {@link #FRESH} (so a directory moved, or a symlink pointed elsewhere, is seen within it) and at
 * most {@link #MAX} entries (a client sending a new path each time evicts only its own).
 * Failures are not kept: a directory made a moment later is judged at once.
 */
final class RealPathCache implements ProfileTable.RealPaths {
  static final Duration FRESH = Duration.ofSeconds(2);
  static final int MAX = 256;

  private final Clock clock;
  private final Map<Path, Resolved> cache = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Path, Resolved> eldest) {
      return size() > MAX;
    }
  };

  private record Resolved(Path real, Instant at) {}

  RealPathCache(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Path real(Path absolute) throws IOException {
    Instant now = clock.instant();
    synchronized (cache) {
      Resolved seen = cache.get(absolute);
      if (seen != null && now.isBefore(seen.at().plus(FRESH)) && !now.isBefore(seen.at())) {
        return seen.real();
      }
    }
    Path real = absolute.toRealPath();
    synchronized (cache) {
      cache.put(absolute, new Resolved(real, now));
    }
    return real;
  }

  int size() {
    synchronized (cache) {
      return cache.size();
    }
  }
}
