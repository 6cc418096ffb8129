package dev.credagent.imports;

import java.nio.file.Path;
import java.util.Map;

/** Where docker and the containers tools keep their auth files, as each of them finds them. */
public final class DockerConfig {
  private DockerConfig() {}

  /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, as the docker CLI looks. */
  public static Path file(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isEmpty()) {
      return Path.of(dir, "config.json").toAbsolutePath();
    }
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker", "config.json");
  }

  /** {@code $REGISTRY_AUTH_FILE}, else {@code $XDG_RUNTIME_DIR/containers/auth.json}, as podman and skopeo look first. */
  public static Path containersAuthFile(Map<String, String> env) {
    String explicit = env.get("REGISTRY_AUTH_FILE");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit).toAbsolutePath();
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) {
      return Path.of(runtime, "containers", "auth.json");
    }
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config", "containers", "auth.json");
  }
}
