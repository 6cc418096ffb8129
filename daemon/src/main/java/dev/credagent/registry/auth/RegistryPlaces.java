package dev.credagent.registry.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@link #PER_REGISTRY} requests (token fetches and logins) in flight to one registry
 * (host and port), taken before a request is queued for a network thread: a registry that stalls
 * holds only its own places. 70 fetches to a stalled registry once held all 64 network threads,
 * and a healthy registry's token waited 26 s behind them. A request past its registry's places
 * fails at once ({@link RegistryBusyException}) instead of waiting for a thread of the whole daemon.
 */
public final class RegistryPlaces {
  /** A client pulls a few images at once; more than this at one registry is a flood or a stall. */
  public static final int PER_REGISTRY = 8;

  private final int max;
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  public RegistryPlaces() {
    this(PER_REGISTRY);
  }

  public RegistryPlaces(int max) {
    this.max = max;
  }

  /** Takes one of {@code registry}'s places; false when all are taken. */
  public boolean tryTake(String registry) {
    boolean[] taken = {false};
    inFlight.compute(registry, (key, n) -> {
      int now = n == null ? 0 : n;
      if (now >= max) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  /** Gives back a place {@link #tryTake} took; a registry with none taken is forgotten. */
  public void give(String registry) {
    inFlight.computeIfPresent(registry, (key, n) -> n <= 1 ? null : n - 1);
  }

  public int max() {
    return max;
  }
}
