package dev.credagent.service;

import dev.credagent.registry.RegistryPattern;
import java.util.List;

/**
 * What a share may hand out: the registries its patterns match (all, with none), for get and
 * token only. The service checks it on every request that came through the share; a registry
 * outside it is answered as one with no credentials, so a share tells nothing of the others.
 *
 * @param name the share's name, in the audit log and in {@code credagent status}
 * @param patterns HOST[:PORT][/PATH] patterns ({@link RegistryPattern}); a plain host is one too
 */
public record ShareScope(String name, List<RegistryPattern> patterns) {
  public ShareScope {
    patterns = List.copyOf(patterns);
  }

  public boolean allows(String server) {
    return patterns.isEmpty() || patterns.stream().anyMatch(pattern -> pattern.matches(server));
  }

  /** The patterns as given, for status: "every registry" when there are none. */
  public String describe() {
    return patterns.isEmpty() ? "every registry"
        : String.join(", ", patterns.stream().map(RegistryPattern::text).toList());
  }
}
