package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The index finds exactly what a scan of every key with {@link RegistryPattern#matches} finds, and fast. */
class PatternIndexTest {
  private static final List<String> KEYS = List.of("ghcr.io/org-a/", "ghcr.io/org-a/special", "GHCR.io/Org-B",
      "*.example.com", "*.example.com:5000", "r.example.com:5000/team", "r.example.com/team/app", "app*.k8s.io/x",
      "127.0.0.1:5000/ns", "ghcr.io", "not a pattern/x y", "https://index.docker.io/v1/");

  private static Optional<String> scan(String server, boolean pathsOnly) {
    List<PatternIndex.Entry> all = new ArrayList<>();
    for (String key : KEYS) {
      try {
        RegistryPattern.of(key).filter(p -> RegistryPattern.looksLikeOne(key))
            .filter(p -> (!pathsOnly || !p.path().isEmpty()) && p.matches(server))
            .ifPresent(p -> all.add(new PatternIndex.Entry(key, p, false)));
      } catch (IllegalArgumentException notOne) {
        // passed over
      }
    }
    return all.stream().min(PatternIndex.MOST_SPECIFIC_FIRST).map(PatternIndex.Entry::key);
  }

  @Test
  void findsWhatAScanFinds() {
    PatternIndex index = PatternIndex.of(KEYS, List.of());
    for (String server : List.of("ghcr.io/org-a/app", "ghcr.io/org-a/special/app", "ghcr.io/org-b/x", "ghcr.io/org-c/x",
        "GHCR.IO/ORG-A/APP", "a.example.com", "a.example.com:5000", "a.example.com:5001", "r.example.com:5000/team/x",
        "r.example.com/team/app/y", "r.example.com:5000/team/app", "r.example.com/team", "app1.k8s.io/x/y",
        "127.0.0.1:5000/ns/img", "127.0.0.1:5001/ns/img", "127.0.0.1/ns", "ghcr.io", "ghcr.io/", "ghcr.io/org-a",
        "ghcr.io/org-a/", "https://ghcr.io/org-a/app", "example.com")) {
      for (boolean pathsOnly : List.of(false, true)) {
        assertEquals(scan(server, pathsOnly), index.mostSpecific(RegistryReference.parse(server), pathsOnly).map(PatternIndex.Entry::key),
            server + (pathsOnly ? " (paths only)" : ""));
      }
    }
  }

  @Test
  void aMissAmongTenThousandPathPatternsIsCheap() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      keys.add("ghcr.io/org-" + i + "/");
    }
    PatternIndex index = PatternIndex.of(keys, List.of());
    long start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      assertTrue(index.mostSpecific(RegistryReference.parse("ghcr.io/elsewhere-" + i + "/app"), true).isEmpty());
    }
    long perMiss = (System.nanoTime() - start) / 1000;
    // Not a timing assertion that could flake: a scan took 42-90 ms; this bound is 1,000 times that.
    assertTrue(perMiss < 50_000_000, perMiss + " ns a miss");
    assertEquals("ghcr.io/org-42/", index.mostSpecific(RegistryReference.parse("ghcr.io/org-42/app"), true).orElseThrow().key());
  }
}
