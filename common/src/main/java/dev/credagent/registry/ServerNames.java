package dev.credagent.registry;

import java.util.List;
import java.util.Set;

/**
 * The names clients give one registry. Docker Hub has five (docker and docker-py say
 * {@code https://index.docker.io/v1/}, podman, skopeo and buildah {@code docker.io}, Jib
 * {@code registry-1.docker.io}, then {@code registry.hub.docker.com} and {@code index.docker.io}),
 * and one login serves them all under docker's key, {@link #HUB_KEY}. Any other registry written
 * as a URL ({@code https://reg.example.com/}, {@code http://reg:5000}, an old
 * {@code https://reg.example.com/v1/}) is the registry docker's {@code ConvertToHostname} makes
 * of it: the scheme and the path dropped.
 */
public final class ServerNames {
  /** Where docker keeps its Docker Hub login, and so where credagent does. */
  public static final String HUB_KEY = "https://index.docker.io/v1/";
  private static final Set<String> HUB_HOSTS =
      Set.of("index.docker.io", "docker.io", "registry-1.docker.io", "registry.hub.docker.com");
  /** The paths a client writes after a registry's host to name the registry itself, not a repository. */
  private static final Set<String> REGISTRY_PATHS = Set.of("", "v1", "v2");

  private ServerNames() {}

  /**
   * {@link #HUB_KEY} where {@code server} is one of Docker Hub's names (with or without a scheme,
   * {@code /v1/} or {@code /v2/}); null otherwise. The keys of docker's device-code login
   * ({@code https://index.docker.io/v1/access-token}, {@code …/refresh-token}) are keys of their
   * own: null.
   */
  public static String hubKey(String server) {
    return isHub(RegistryReference.parse(server)) ? HUB_KEY : null;
  }

  public static boolean isHub(String server) {
    return isHub(RegistryReference.parse(server));
  }

  public static boolean isHub(RegistryReference reference) {
    return HUB_HOSTS.contains(reference.authority()) && REGISTRY_PATHS.contains(reference.path());
  }

  /**
   * docker's {@code ConvertToHostname}: {@code server} without its {@code http://} or
   * {@code https://} and without anything from the first slash; null where {@code server} is not
   * written as a URL (then it is its own key), or is Docker Hub's.
   */
  public static String dockerHostname(String server) {
    return dockerHostname(RegistryReference.parse(server));
  }

  /**
   * The same, and also for a key with no scheme whose path only names the registry ({@code
   * reg:5000/v1/}, {@code reg:5000/v2}, {@code reg/}): docker's {@code ConvertToHostname} drops the
   * path with or without a scheme, and docker 20.10 stores a login's key as typed, then asks for
   * the host. Any other path without a scheme stays credagent's path pattern ({@link RegistryPattern}).
   */
  public static String dockerHostname(RegistryReference reference) {
    if (isHub(reference)) {
      return null;
    }
    String url = reference.dockerHostname();
    if (url != null || reference.isUrl()) {
      return url;
    }
    int slash = reference.written().indexOf('/');
    return slash > 0 && REGISTRY_PATHS.contains(reference.path()) ? reference.written().substring(0, slash) : null;
  }

  /**
   * What the credential stored under {@code key} answers, by the rules a lookup follows: the
   * patterns of the registry or repositories it serves, any one of which names all it serves
   * (Docker Hub's five hosts; the host docker would key a URL by, path and all dropped; a path
   * pattern; a wildcard; a plain host). Empty where {@code key} is no name any pattern can state:
   * then nothing narrower than every registry holds it. A share's gate reads this, never the key's
   * text: {@code https://ghcr.io/org-c/deploy} is host-wide, whatever its path says.
   */
  public static List<RegistryPattern> servedBy(String key) {
    RegistryReference reference = RegistryReference.parse(key);
    if (isHub(reference)) {
      return HUB_HOSTS.stream().sorted().map(RegistryPattern::parse).toList();
    }
    String hostname = dockerHostname(reference);
    try {
      return List.of(RegistryPattern.parse(hostname != null ? hostname : key));
    } catch (IllegalArgumentException noPattern) {
      return List.of();
    }
  }
}
