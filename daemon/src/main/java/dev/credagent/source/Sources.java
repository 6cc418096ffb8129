package dev.credagent.source;

import dev.credagent.vault.Credential;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** The cached sources of this daemon, one per registry, made from the definitions the vault keeps. */
public final class Sources {
  private final SourceRunner runner;
  private final Executor executor;
  private final Clock clock;
  private final Map<String, CachedSource> cached = new ConcurrentHashMap<>();

  public Sources(SourceRunner runner, Executor executor, Clock clock) {
    this.runner = runner;
    this.executor = executor;
    this.clock = clock;
  }

  /** The definition's stored form (the vault keeps it as an opaque string). */
  public static String encode(SourceDefinition definition) {
    return definition.encode();
  }

  public static SourceDefinition decode(String stored) throws IOException {
    return SourceDefinition.decode(stored);
  }

  /**
   * The credential of {@code registry} from its source {@code stored}: cached, or run now. The
   * definition is parsed only when it is new or has changed, not on every get.
   */
  public CompletableFuture<Credential> get(String registry, String stored) {
    CachedSource source = cached.get(registry);
    if (source == null || !source.stored().equals(stored)) {
      SourceDefinition definition;
      try {
        definition = decode(stored);
      } catch (IOException | IllegalArgumentException e) {
        return CompletableFuture.failedFuture(new SourceFailedException("the source for " + registry + " is unreadable: "
            + e.getMessage()));
      }
      source = cached.compute(registry, (key, existing) -> existing != null && existing.stored().equals(stored)
          ? existing
          : new CachedSource(stored, definition, () -> runner.run(registry, definition), executor, clock));
    }
    return source.get();
  }

  /** Registry to why its source's last run failed, for the sources that are failing now. */
  public Map<String, String> failing() {
    Map<String, String> failing = new TreeMap<>();
    cached.forEach((registry, source) -> {
      String why = source.failing();
      if (why != null) {
        failing.put(registry, why);
      }
    });
    return failing;
  }

  /** Forgets a registry's cached value (its source was replaced or removed). */
  public void forget(String registry) {
    CachedSource source = cached.remove(registry);
    if (source != null) {
      source.clear();
    }
  }

  /** Forgets every cached value: the vault was locked. */
  public void clear() {
    cached.values().forEach(CachedSource::clear);
    cached.clear();
  }
}
