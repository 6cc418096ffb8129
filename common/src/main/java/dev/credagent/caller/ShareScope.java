package dev.credagent.caller;

import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import java.util.Arrays;
import java.util.List;

/**
 * What a share may hand out: the registries its patterns match (all, with none), through the ops
 * whose {@link dev.credagent.protocol.Op.Share} column says it serves them. The service asks
 * {@link #permits} of every answer that leaves through the share; a registry outside it is
 * answered as one with no credentials, so a share tells nothing of the others.
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

  /**
   * The one question every answer through this share is asked before it leaves (as ssh-agent's
   * {@code identity_permitted} is of every key use): may {@code asked} be answered with what is
   * stored under {@code servedKey}? Each part that is given must lie inside the share:
   *
   * <ul>
   *   <li>{@code asked}, what the client named (a get's server; a token's repository, one per
   *       scope), must match one of the patterns; null where the client named nothing of its own
   *       (the helper's list, whose entries are judged by their keys);
   *   <li>{@code servedKey}, the key of the credential that would leave as itself, must lie inside
   *       one by what it answers ({@link ServerNames#servedBy}: its effective scope, not its text):
   *       a host-wide login is not inside a share for one of its organisations, though a
   *       repository of that organisation is; nor is a login stored under {@code
   *       https://ghcr.io/org-c/deploy}, which docker's rule makes host-wide. Null where no
   *       credential leaves (a token, minted for {@code asked} only, whatever login mints it).
   * </ul>
   *
   * A share of every registry permits everything. A request with neither part (a token scope
   * that names no repository, {@code registry:catalog:*}) names nothing inside any pattern, and
   * only such a share permits it.
   */
  public boolean permits(RegistryReference asked, String servedKey) {
    if (patterns.isEmpty()) {
      return true;
    }
    if (asked == null && servedKey == null) {
      return false;
    }
    return (asked == null || asks(asked))
        && (servedKey == null || ServerNames.servedBy(servedKey).stream()
            .anyMatch(served -> patterns.stream().anyMatch(pattern -> pattern.contains(served))));
  }

  /**
   * Whether {@code asked} names a registry or repository inside one of the patterns. Docker Hub,
   * asked by any of its names ({@code https://index.docker.io/v1/}, docker's own, or {@code
   * docker.io}), is all of Hub's hosts, as a Hub login served is ({@link ServerNames#servedBy}):
   * matched by its text, the name docker asks by was outside a share of {@code docker.io} whose
   * list named Hub's login.
   */
  private boolean asks(RegistryReference asked) {
    if (ServerNames.isHub(asked)) {
      return ServerNames.servedBy(ServerNames.HUB_KEY).stream()
          .anyMatch(hub -> patterns.stream().anyMatch(pattern -> pattern.contains(hub)));
    }
    String onHub = hubRepository(asked);
    if (onHub != null) { // a repository on Hub, under any of Hub's hosts
      return ServerNames.servedBy(ServerNames.HUB_KEY).stream().anyMatch(hub -> patterns.stream()
          .anyMatch(pattern -> pattern.matches(RegistryReference.parse(hub.text() + "/" + onHub))));
    }
    return patterns.stream().anyMatch(pattern -> pattern.matches(asked));
  }

  /**
   * The repository {@code asked} names on Docker Hub, or null where it names none there: under
   * docker's key for Hub, a URL ({@code https://index.docker.io/v1/library/alpine}, as a token's
   * lookup is built), its {@code v1}/{@code v2} segment is the API's, not the repository's.
   */
  private static String hubRepository(RegistryReference asked) {
    if (!ServerNames.isHub(asked.withoutPath())) {
      return null;
    }
    String path = asked.path();
    if (asked.isUrl() && (path.startsWith("v1/") || path.startsWith("v2/"))) {
      path = path.substring(3);
    }
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    return path.isEmpty() ? null : path;
  }

  /**
   * The repository a token scope (the token spec's {@code repository:NAME:ACTIONS}) of the
   * registry {@code host} asks for, as {@link #permits} reads it; null for any other scope ({@code
   * registry:catalog:*}), for one with characters outside RFC 6749's scope tokens, and for a name
   * with {@code ..} in it.
   */
  public static RegistryReference tokenScope(String host, String scope) {
    if (!scope.chars().allMatch(ShareScope::scopeTokenChar)) {
      return null;
    }
    String[] parts = scope.split(":", -1);
    if (parts.length < 3 || !parts[0].equals("repository") || parts[1].isEmpty()) {
      return null;
    }
    String repository = String.join(":", Arrays.asList(parts).subList(1, parts.length - 1));
    // Docker Hub's key is a URL (https://index.docker.io/v1/): its host names the repository, not the URL.
    String registry = ServerNames.isHub(host) ? RegistryReference.parse(host).authority() : host;
    return repository.contains("..") ? null : RegistryReference.parse(registry + "/" + repository);
  }

  /**
   * RFC 6749's scope-token characters (printable ASCII but space, a double quote and a backslash): a tab, a newline or
   * a no-break space inside one scope is read as two by a token server that splits on any
   * whitespace, the second outside the share.
   */
  private static boolean scopeTokenChar(int c) {
    return c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e;
  }

  /** The patterns as given, for status: "every registry" when there are none. */
  public String describe() {
    return patterns.isEmpty() ? "every registry"
        : String.join(", ", patterns.stream().map(RegistryPattern::text).toList());
  }
}
