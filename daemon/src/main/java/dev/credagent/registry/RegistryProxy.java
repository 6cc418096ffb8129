package dev.credagent.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy settings docker and curl read from the environment: {@code HTTPS_PROXY} for https,
 * {@code HTTP_PROXY} for http (either case), and {@code NO_PROXY}, a comma-separated list of
 * hosts ({@code host}, {@code .suffix} or {@code suffix} for a domain and its subdomains,
 * {@code host:port}, or {@code *} for all). Loopback is never proxied. The daemon has the
 * environment of the command that started it.
 */
public final class RegistryProxy extends ProxySelector {
  private final URI https;
  private final URI http;
  private final List<String> noProxy;

  private RegistryProxy(URI https, URI http, List<String> noProxy) {
    this.https = https;
    this.http = http;
    this.noProxy = noProxy;
  }

  public static RegistryProxy fromEnvironment(Map<String, String> env) {
    return new RegistryProxy(proxy(env, "HTTPS_PROXY"), proxy(env, "HTTP_PROXY"),
        Arrays.stream(variable(env, "NO_PROXY").split(","))
            .map(entry -> entry.strip().toLowerCase(Locale.ROOT))
            .filter(entry -> !entry.isEmpty())
            .toList());
  }

  @Override
  public List<Proxy> select(URI uri) {
    URI proxy = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
    if (proxy == null || bypassed(uri)) {
      return List.of(Proxy.NO_PROXY);
    }
    int port = proxy.getPort() > 0 ? proxy.getPort() : ("https".equalsIgnoreCase(proxy.getScheme()) ? 443 : 80);
    return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port)));
  }

  /** Whether {@code uri} goes direct: loopback, or listed in NO_PROXY. */
  boolean bypassed(URI uri) {
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1")) {
      return true;
    }
    String withPort = host + ":" + (uri.getPort() > 0 ? uri.getPort() : ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80));
    for (String entry : noProxy) {
      String domain = entry.startsWith(".") ? entry.substring(1) : entry;
      if (entry.equals("*") || entry.equals(withPort) || host.equals(domain) || host.endsWith("." + domain)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException e) {
    // nothing to learn: the request itself fails with the reason
  }

  private static URI proxy(Map<String, String> env, String name) {
    String value = variable(env, name);
    if (value.isEmpty()) {
      return null;
    }
    try {
      URI uri = URI.create(value.contains("://") ? value : "http://" + value);
      return uri.getHost() == null ? null : uri;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String variable(Map<String, String> env, String name) {
    String upper = env.get(name);
    String value = upper != null && !upper.isEmpty() ? upper : env.get(name.toLowerCase(Locale.ROOT));
    return value == null ? "" : value.strip();
  }
}
