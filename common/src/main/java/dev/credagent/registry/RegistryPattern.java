package dev.credagent.registry;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A credential key that serves several registries or repositories, by the kubelet credential
 * provider's {@code matchImages} rules: {@code HOST[:PORT][/PATH]}, where the host's labels may
 * hold {@code *} (each matches within one DNS label: {@code *.example.com} matches
 * {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}; {@code app*.k8s.io}
 * matches {@code app1.k8s.io}); a port, when the pattern has one, must be the image's; the
 * pattern's path must be a prefix of the image's, by whole segments. A key with neither a
 * {@code *} nor a path is an exact server, not a pattern.
 */
public record RegistryPattern(String text, List<String> labels, String port, String path) {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9*\\-]+");
  private static final Pattern PATH = Pattern.compile("[a-z0-9._\\-/]*");

  /** {@code text} as a pattern; empty when it is a plain server (no {@code *} and no path). */
  public static Optional<RegistryPattern> of(String text) {
    RegistryPattern pattern = parse(text);
    return pattern.labels.stream().anyMatch(label -> label.contains("*")) || !pattern.path.isEmpty()
        ? Optional.of(pattern) : Optional.empty();
  }

  /**
   * Whether a stored key is a pattern rather than one registry's login: written as one ({@link
   * #looksLikeOne}) and valid as one. The helper's {@code list} leaves patterns out, and {@code
   * credagent list} marks them; one rule for both.
   */
  public static boolean isPattern(String key) {
    try {
      return looksLikeOne(key) && of(key).isPresent();
    } catch (IllegalArgumentException notOne) {
      return false;
    }
  }

  /**
   * Whether {@code text} is written as a pattern (it has a {@code *} or a path); a path that only
   * names the registry ({@code reg:5000/v1/}) is the host's key, as docker reads it ({@link ServerNames#dockerHostname}).
   */
  public static boolean looksLikeOne(String text) {
    return text.contains("*") || text.indexOf('/') > 0 && !text.contains("://") && ServerNames.dockerHostname(text) == null;
  }

  /**
   * Parses {@code text} (HOST[:PORT][/PATH], lower case, no scheme); {@link IllegalArgumentException}
   * with what is wrong, and what a pattern looks like, otherwise.
   */
  public static RegistryPattern parse(String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    if (lower.contains("://")) {
      throw invalid(text, "no scheme");
    }
    RegistryReference pattern = RegistryReference.parse(lower);
    if (!pattern.port().matches("[0-9]{0,5}") || pattern.emptyPort()) {
      throw invalid(text, "a port is digits, without wildcards");
    }
    List<String> labels = List.of(pattern.host().split("\\.", -1));
    if (pattern.host().isEmpty() || labels.stream().anyMatch(label -> label.isEmpty() || !LABEL.matcher(label).matches())) {
      throw invalid(text, "each label of the host is letters, digits, '-' or '*'");
    }
    if (!PATH.matcher(pattern.path()).matches() || pattern.path().contains("*") || pattern.path().contains("//")) {
      throw invalid(text, "the path has no wildcards");
    }
    // Written one way however it was given: ghcr.io/my-org/ and GHCR.io/my-org are one key.
    String canonical = pattern.authority() + pattern.repositoryPath();
    return new RegistryPattern(canonical, labels, pattern.port(), pattern.path());
  }

  /** Whether an image (or a registry) {@code HOST[:PORT][/PATH]} is one this pattern serves. */
  public boolean matches(String image) {
    return matches(RegistryReference.parse(image));
  }

  /** The same, of a reference already parsed (Docker Hub's key, a URL, is matched by its host and path). */
  public boolean matches(RegistryReference target) {
    String[] targetLabels = target.host().split("\\.", -1);
    if (targetLabels.length != labels.size()) {
      return false;
    }
    for (int i = 0; i < targetLabels.length; i++) {
      if (!glob(labels.get(i), targetLabels[i])) {
        return false;
      }
    }
    if (!port.isEmpty() && !port.equals(target.port())) {
      return false;
    }
    return path.isEmpty() || target.path().equals(path) || target.path().startsWith(path + "/");
  }

  /**
   * Whether every image {@code inner} serves is one this pattern serves too: the same number of
   * labels, each of {@code inner}'s matched by this one's ({@code *} here covers any label, a
   * wildcard label there only the same wildcard or {@code *}), this one's port if it has one, and
   * this one's path a prefix of {@code inner}'s. A share's gate: a key wider than the share (a
   * host-wide login, for a share of one organisation) is never inside it.
   */
  public boolean contains(RegistryPattern inner) {
    if (inner.labels.size() != labels.size()) {
      return false;
    }
    for (int i = 0; i < labels.size(); i++) {
      String mine = labels.get(i);
      String theirs = inner.labels.get(i);
      boolean covered = theirs.contains("*") ? mine.equals(theirs) || mine.equals("*") : glob(mine, theirs);
      if (!covered) {
        return false;
      }
    }
    if (!port.isEmpty() && !port.equals(inner.port)) {
      return false;
    }
    return path.isEmpty() || inner.path.equals(path) || inner.path.startsWith(path + "/");
  }

  /**
   * Most specific first: a longer path, then a port, then more of the host written out (fewer
   * wildcards, more literal characters); the text last, so that the order is total.
   */
  public static final Comparator<RegistryPattern> MOST_SPECIFIC_FIRST = Comparator
      .comparingInt((RegistryPattern p) -> p.path.isEmpty() ? 0 : p.path.split("/").length).reversed()
      .thenComparing(p -> p.port.isEmpty())
      .thenComparingLong(p -> p.labels.stream().filter(label -> label.contains("*")).count())
      .thenComparing(Comparator.comparingInt((RegistryPattern p) -> p.text.replace("*", "").length()).reversed())
      .thenComparing(RegistryPattern::text);

  /** {@code *} within one label: any run of characters there, none of them a dot. */
  private static boolean glob(String pattern, String label) {
    if (!pattern.contains("*")) {
      return pattern.equals(label);
    }
    String regex = String.join("[^.]*", Arrays.stream(pattern.split("\\*", -1)).map(Pattern::quote).toList());
    return !label.isEmpty() && label.matches(regex);
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("'" + text + "' is not a registry pattern (" + why
        + "): HOST[:PORT][/PATH] with '*' for one DNS label, e.g. *.dkr.ecr.*.amazonaws.com or ghcr.io/my-org/");
  }
}
