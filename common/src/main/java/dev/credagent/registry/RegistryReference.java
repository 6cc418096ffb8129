package dev.credagent.registry;

import java.util.Locale;

/**
 * A registry, or a repository in one, as a client wrote it ({@code ghcr.io/my-org/app},
 * {@code https://index.docker.io/v1/}, {@code localhost:5000}), split once into its parts, as
 * Jib's {@code ImageReference} is: every rule that asks "which host, which port, which path" (the
 * share gate, the lookup, the patterns, Docker Hub's names, a token's key, the login address)
 * reads this value, so that no two of them can split one string two ways.
 *
 * @param written the text as given, case and all: what the vault's exact keys are compared with
 * @param scheme {@code http} or {@code https} (lower case) where it was written as a URL; "" otherwise
 * @param host the host, lower case; an IPv6 literal keeps its brackets
 * @param port the port's text ("" without one)
 * @param emptyPort a colon with nothing after it ({@code reg:}), which no valid name has
 * @param path the path, lower case, without its first and last slashes ("" without one)
 */
public record RegistryReference(String written, String scheme, String host, String port, boolean emptyPort,
    String path) {

  public static RegistryReference parse(String written) {
    String lower = written.strip().toLowerCase(Locale.ROOT);
    int separator = lower.indexOf("://");
    String scheme = separator < 0 ? "" : lower.substring(0, separator);
    String rest = separator < 0 ? lower : lower.substring(separator + 3);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
    int colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.startsWith("[") && authority.lastIndexOf(']') > colon) {
      colon = -1; // [::1]: the colons are the address's
    }
    String port = colon < 0 ? "" : authority.substring(colon + 1);
    return new RegistryReference(written, scheme, colon < 0 ? authority : authority.substring(0, colon), port,
        colon >= 0 && port.isEmpty(), path);
  }

  /** {@code HOST[:PORT]}, lower case. */
  public String authority() {
    return host + (port.isEmpty() ? "" : ":" + port);
  }

  public boolean isUrl() {
    return !scheme.isEmpty();
  }

  /** The registry itself: this reference without its path (and its scheme). */
  public RegistryReference withoutPath() {
    return new RegistryReference(authority(), "", host, port, emptyPort, "");
  }

  /** {@code /my-org/app} of {@code ghcr.io/my-org/app}, for path patterns and a token's key; "" without a path. */
  public String repositoryPath() {
    return path.isEmpty() ? "" : "/" + path;
  }

  /**
   * The registry a host-wide login for this reference is stored under, as written: the text before
   * the path ({@code ghcr.io} of {@code ghcr.io/my-org/app}); a URL (Docker Hub's key) is its own.
   */
  public String registryAsWritten() {
    int slash = written.indexOf('/');
    return slash <= 0 || isUrl() ? written : written.substring(0, slash);
  }

  /**
   * What docker's {@code ConvertToHostname} keeps of a URL: the host and port as written (case
   * and all), or null where {@code written} is no {@code http://} or {@code https://} URL. docker
   * compares the scheme exactly, so this does too.
   */
  public String dockerHostname() {
    String rest = written.startsWith("https://") ? written.substring(8)
        : written.startsWith("http://") ? written.substring(7) : null;
    if (rest == null) {
      return null;
    }
    int slash = rest.indexOf('/');
    String hostname = slash < 0 ? rest : rest.substring(0, slash);
    return hostname.isEmpty() ? null : hostname;
  }

  private static String trimSlashes(String path) {
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }
}
