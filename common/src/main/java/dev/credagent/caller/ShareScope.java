package dev.credagent.caller;

import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a share may hand out: the registries its patterns match (all, with none), for get and
 * token only. The service checks it on every request that came through the share; a registry
 * outside it is answered as one with no credentials, so a share tells nothing of the others.
 *
 * @param name the share's name, in the audit log and in {@code credagent status}
 * @param patterns HOST[:PORT][/PATH] patterns ({@link RegistryPattern}); a plain host is one too
 * @param profile the profile its requests are answered in, fixed when it was made: a share client's
 *     working directory and {@code CREDAGENT_PROFILE} choose nothing
 */
public record ShareScope(String name, List<RegistryPattern> patterns, String profile) {
  /**
   * How many shares may be open at once (each is a socket and a thread). Here, not in {@code
   * share.Shares}, because the audit log, a floor below, sizes its per-origin budgets by it.
   */
  public static final int MAX_OPEN = 16;

  public ShareScope {
    patterns = List.copyOf(patterns);
    profile = profile == null ? ProfileName.DEFAULT : profile;
  }

  public ShareScope(String name, List<RegistryPattern> patterns) {
    this(name, patterns, ProfileName.DEFAULT);
  }

  public boolean allows(String server) {
    return allows(RegistryReference.parse(server));
  }

  /** Whether a request for {@code server} may be answered through this share at all. */
  public boolean allows(RegistryReference server) {
    return patterns.isEmpty() || patterns.stream().anyMatch(pattern -> pattern.matches(server));
  }

  /**
   * Whether the credential stored under {@code key} may leave the daemon through this share: only
   * when what the key answers ({@link ServerNames#servedBy}: its effective scope, not its text) lies
   * inside one of the share's patterns. A host-wide login is not inside a share for one of its
   * organisations, though a repository of that organisation is ({@link #allows}); nor is a login
   * stored under {@code https://ghcr.io/org-c/deploy}, which docker's rule makes host-wide. The one
   * predicate every credential that leaves through a share passes (a get, the helper's list).
   */
  public boolean covers(String key) {
    if (patterns.isEmpty()) {
      return true;
    }
    return ServerNames.servedBy(key).stream()
        .anyMatch(served -> patterns.stream().anyMatch(pattern -> pattern.contains(served)));
  }

  /**
   * Whether a token for {@code scope} (the token spec's {@code repository:NAME:ACTIONS}) of the
   * registry {@code host} may be minted through this share: only a repository scope whose
   * repository the share's patterns allow. Any other scope ({@code registry:catalog:*}) is refused.
   */
  public boolean allowsScope(String host, String scope) {
    if (patterns.isEmpty()) {
      return true;
    }
    if (!scope.chars().allMatch(ShareScope::scopeTokenChar)) {
      return false;
    }
    String[] parts = scope.split(":", -1);
    if (parts.length < 3 || !parts[0].equals("repository") || parts[1].isEmpty()) {
      return false;
    }
    String repository = String.join(":", Arrays.asList(parts).subList(1, parts.length - 1));
    return !repository.contains("..") && allows(host + "/" + repository);
  }

  /**
   * RFC 6749's scope-token characters (printable ASCII but space, a double quote and a backslash): a tab, a newline or
   * a no-break space inside one scope is read as two by a token server that splits on any
   * whitespace, the second outside the share.
   */
  private static boolean scopeTokenChar(int c) {
    return c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e;
  }

  /** What of {@code all} (server to username) this share may name: the servers it covers, in their order. */
  public Map<String, String> within(Map<String, String> all) {
    Map<String, String> allowed = new LinkedHashMap<>();
    all.forEach((server, username) -> {
      if (covers(server)) {
        allowed.put(server, username);
      }
    });
    return allowed;
  }

  /** The patterns as given, for status: "every registry" when there are none. */
  public String describe() {
    return patterns.isEmpty() ? "every registry"
        : String.join(", ", patterns.stream().map(RegistryPattern::text).toList());
  }
}
