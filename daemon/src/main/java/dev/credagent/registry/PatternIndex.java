package dev.credagent.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The vault's pattern keys, indexed so that a lookup that no exact key answered costs a few hash
 * lookups, not a parse of every key: with 10,000 path patterns a miss took 42-90 ms on the event
 * loop, and a ping on another connection waited behind 200 of them. A pattern whose host is written
 * out (no {@code *}) is found by its host (with and without the image's port) and each prefix of
 * the image's path; only wildcard hosts are scanned, and those are few. Built once per version of
 * the vault's keys, immutable after.
 */
public final class PatternIndex {
  /** A key of the vault (as stored) that is a pattern: of a stored credential, or of a source. */
  public record Entry(String key, RegistryPattern pattern, boolean source) {}

  public static final Comparator<Entry> MOST_SPECIFIC_FIRST =
      Comparator.comparing(Entry::pattern, RegistryPattern.MOST_SPECIFIC_FIRST).thenComparing(Entry::source);

  public static final PatternIndex EMPTY = new PatternIndex(Map.of(), List.of(), Map.of());

  /** HOST or HOST:PORT, then PATH, to the patterns written so. */
  private final Map<String, Map<String, List<Entry>>> literal;
  private final List<Entry> wildcard;
  /**
   * Keys written as another name of a registry ({@link ServerNames}) by the registry's own key:
   * {@code https://reg.example.com/} under {@code reg.example.com}, {@code docker.io} under
   * {@link ServerNames#HUB_KEY}. Credentials' keys only, in key order.
   */
  private final Map<String, List<String>> aliases;

  private PatternIndex(Map<String, Map<String, List<Entry>>> literal, List<Entry> wildcard, Map<String, List<String>> aliases) {
    this.literal = literal;
    this.wildcard = wildcard;
    this.aliases = aliases;
  }

  /** The keys stored under another name of the registry whose key is {@code key}, in key order; none: empty. */
  public List<String> aliasesOf(String key) {
    return aliases.getOrDefault(key, List.of());
  }

  /**
   * The index of {@code credentials} and {@code sources} (the vault's keys): those written as a
   * pattern are parsed; keys stored before patterns existed that are no valid pattern are passed over.
   */
  public static PatternIndex of(Iterable<String> credentials, Iterable<String> sources) {
    Map<String, Map<String, List<Entry>>> literal = new HashMap<>();
    List<Entry> wildcard = new ArrayList<>();
    add(credentials, false, literal, wildcard);
    add(sources, true, literal, wildcard);
    Map<String, List<String>> aliases = new HashMap<>();
    for (String key : credentials) {
      String registry = ServerNames.isHub(key) ? ServerNames.HUB_KEY : ServerNames.dockerHostname(key);
      if (registry != null && !registry.equals(key)) {
        aliases.computeIfAbsent(registry, r -> new ArrayList<>(1)).add(key);
      }
    }
    return new PatternIndex(literal, wildcard, aliases);
  }

  private static void add(Iterable<String> keys, boolean source, Map<String, Map<String, List<Entry>>> literal,
      List<Entry> wildcard) {
    for (String key : keys) {
      if (!RegistryPattern.looksLikeOne(key)) {
        continue;
      }
      Optional<RegistryPattern> parsed;
      try {
        parsed = RegistryPattern.of(key);
      } catch (IllegalArgumentException notAPattern) {
        continue; // a key from before patterns, such as a server written with a path: exact only
      }
      parsed.ifPresent(pattern -> {
        Entry entry = new Entry(key, pattern, source);
        if (pattern.labels().stream().anyMatch(label -> label.contains("*"))) {
          wildcard.add(entry);
        } else {
          String host = String.join(".", pattern.labels()) + (pattern.port().isEmpty() ? "" : ":" + pattern.port());
          literal.computeIfAbsent(host, h -> new HashMap<>()).computeIfAbsent(pattern.path(), p -> new ArrayList<>(1))
              .add(entry);
        }
      });
    }
  }

  /** The most specific pattern that serves {@code server}; with {@code pathsOnly}, among path patterns only. */
  public Optional<Entry> mostSpecific(RegistryReference server, boolean pathsOnly) {
    List<Entry> matching = new ArrayList<>();
    if (!literal.isEmpty()) {
      collect(literal.get(server.authority()), server.path(), matching);
      if (!server.port().isEmpty()) {
        collect(literal.get(server.host()), server.path(), matching); // a pattern without a port serves any
      }
    }
    for (Entry entry : wildcard) {
      if ((!pathsOnly || !entry.pattern().path().isEmpty()) && entry.pattern().matches(server)) {
        matching.add(entry);
      }
    }
    return matching.stream().min(MOST_SPECIFIC_FIRST);
  }

  /** The patterns of one host whose path is a prefix of {@code path}, by whole segments. */
  private static void collect(Map<String, List<Entry>> byPath, String path, List<Entry> into) {
    if (byPath == null) {
      return;
    }
    String trimmed = path; // without its end slashes already
    for (int end = trimmed.indexOf('/'); ; end = trimmed.indexOf('/', end + 1)) {
      String prefix = end < 0 ? trimmed : trimmed.substring(0, end);
      List<Entry> found = byPath.get(prefix);
      if (found != null) {
        into.addAll(found); // the host (and port) matched by the map, the path by the prefix
      }
      if (end < 0) {
        return;
      }
    }
  }
}
