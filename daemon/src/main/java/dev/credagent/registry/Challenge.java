package dev.credagent.registry;

import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header: {@code Bearer realm="…",service="…"}. The
 * scheme and the parameter names are lower-cased (both are case-insensitive); values are as sent.
 */
public record Challenge(String scheme, Map<String, String> params) {
  public String param(String name) {
    return params.get(name);
  }
}
