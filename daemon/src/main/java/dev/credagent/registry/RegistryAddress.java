package dev.credagent.registry;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * A registry as the user names it, and as credagent keys and reaches it, by docker's rules:
 * Docker Hub (no name, {@code docker.io}, {@code index.docker.io}) is stored under
 * {@code https://index.docker.io/v1/} and reached at {@code registry-1.docker.io}; any other is
 * stored under its {@code host[:port]}, a scheme or path given with it dropped. Plain http is
 * used for localhost, 127.0.0.0/8 and ::1 (unless the user wrote {@code https://}), and where the
 * user says {@code --insecure} (or wrote {@code http://}), as docker does; https otherwise.
 *
 * @param key what the credential is stored under (what docker and the helper ask for)
 * @param base the registry's API root, {@code https://host[:port]}
 */
public record RegistryAddress(String key, URI base) {
  public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
  private static final URI DOCKER_HUB_API = URI.create("https://registry-1.docker.io");
  private static final Set<String> DOCKER_HUB_NAMES =
      Set.of("", "docker.io", "index.docker.io", "registry-1.docker.io", DOCKER_HUB_KEY);

  public static RegistryAddress of(String registry, boolean insecure) {
    String name = registry == null ? "" : registry.strip();
    if (DOCKER_HUB_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
      return new RegistryAddress(DOCKER_HUB_KEY, DOCKER_HUB_API);
    }
    boolean plainHttp = insecure;
    boolean forceHttps = false;
    String rest = name;
    if (rest.regionMatches(true, 0, "https://", 0, 8)) {
      rest = rest.substring(8);
      forceHttps = true; // said explicitly: https even for a loopback registry
    } else if (rest.regionMatches(true, 0, "http://", 0, 7)) {
      rest = rest.substring(7);
      plainHttp = true;
    }
    int slash = rest.indexOf('/');
    String host = (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
    if (host.isEmpty() || !host.matches("[a-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9a-f:.]+](:[0-9]{1,5})?")) {
      throw new IllegalArgumentException("'" + name + "' is not a registry name (HOST or HOST:PORT)");
    }
    if (DOCKER_HUB_NAMES.contains(host)) {
      return new RegistryAddress(DOCKER_HUB_KEY, DOCKER_HUB_API);
    }
    String bare = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.replaceFirst(":[0-9]+$", "");
    boolean loopback = bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1");
    boolean http = plainHttp || (loopback && !forceHttps);
    return new RegistryAddress(host, URI.create((http ? "http://" : "https://") + host));
  }
}
