package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Proxy;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryProxyTest {
  private static String via(Map<String, String> env, String uri) {
    Proxy proxy = RegistryProxy.fromEnvironment(env).select(URI.create(uri)).getFirst();
    return proxy.type() == Proxy.Type.DIRECT ? "direct" : proxy.address().toString().replace("/<unresolved>", "");
  }

  @Test
  void httpsAndHttpEachTheirOwnProxyInEitherCase() {
    Map<String, String> env = Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "http_proxy", "proxy.corp:8080");
    assertEquals("proxy.corp:3128", via(env, "https://ghcr.io/v2/"));
    assertEquals("proxy.corp:8080", via(env, "http://registry.internal/v2/"));
    assertEquals("direct", via(Map.of(), "https://ghcr.io/v2/"));
  }

  @Test
  void noProxyAndLoopbackGoDirect() {
    Map<String, String> env = Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
        "NO_PROXY", "internal.example, .corp.example,registry.example.com:5000");
    assertEquals("direct", via(env, "https://internal.example/v2/"));
    assertEquals("direct", via(env, "https://a.internal.example/v2/"));
    assertEquals("direct", via(env, "https://b.corp.example/v2/"));
    assertEquals("direct", via(env, "https://registry.example.com:5000/v2/"));
    assertEquals("proxy.corp:3128", via(env, "https://registry.example.com/v2/"), "another port");
    assertEquals("proxy.corp:3128", via(env, "https://notinternal.example/v2/"), "a suffix is a domain, not a string");
    assertEquals("direct", via(env, "https://127.0.0.1:5000/v2/"));
    assertEquals("direct", via(env, "https://localhost/v2/"));
    assertEquals("direct", via(Map.of("HTTPS_PROXY", "proxy:1", "no_proxy", "*"), "https://ghcr.io/v2/"));
  }
}
