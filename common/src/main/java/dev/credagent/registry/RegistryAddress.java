package dev.credagent.registry;

import java.net.URI;
import java.util.regex.Pattern;

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
  public static final String DOCKER_HUB_KEY = ServerNames.HUB_KEY;
  private static final URI DOCKER_HUB_API = URI.create("https://registry-1.docker.io");
  private static final Pattern HOST_PORT = Pattern.compile("[a-z0-9.\\-]+|\\[[0-9a-f:.]+]");

  public static RegistryAddress of(String registry, boolean insecure) {
    return of(RegistryReference.parse(registry == null ? "" : registry), insecure);
  }

  /** The registry of {@code reference}: its path, if it names a repository, plays no part. */
  public static RegistryAddress of(RegistryReference reference, boolean insecure) {
    if (reference.written().isBlank() || ServerNames.isHub(reference.withoutPath())) {
      return new RegistryAddress(DOCKER_HUB_KEY, DOCKER_HUB_API); // any of Hub's names, with any path
    }
    String host = reference.authority();
    if (!(reference.scheme().isEmpty() || reference.scheme().equals("http") || reference.scheme().equals("https"))
        || !HOST_PORT.matcher(reference.host()).matches() || !reference.port().matches("[0-9]{0,5}") || reference.emptyPort()
        || URI.create("https://" + host).getHost() == null) { // "127.1", "reg.1", "a..b": no URI's host, so no request's
      throw new IllegalArgumentException("'" + reference.written().strip() + "' is not a registry name (HOST or HOST:PORT)");
    }
    String bare = host.startsWith("[") ? reference.host().substring(1, reference.host().length() - 1) : reference.host();
    boolean loopback = bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1");
    // Said explicitly, https is used even for a loopback registry; http:// is a plain-http one.
    boolean http = insecure || reference.scheme().equals("http") || (loopback && !reference.scheme().equals("https"));
    return new RegistryAddress(host, URI.create((http ? "http://" : "https://") + host));
  }
}
