package dev.credagent.imports;

import dev.credagent.files.AgentPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Where docker and the containers tools keep their auth files, as each of them finds them. */
public final class DockerConfig {
  private DockerConfig() {}

  /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, as the docker CLI looks. */
  public static Path file(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isEmpty()) {
      return Path.of(dir, "config.json").toAbsolutePath();
    }
    return Path.of(AgentPaths.userHome(env), ".docker", "config.json");
  }

  /**
   * Every containers auth file that exists: {@link #containersAuthFile}, the runtime one podman
   * logs in to, and the persistent one in ~/.config, in that order, each once.
   */
  public static List<Path> containersAuthFiles(Map<String, String> env) {
    Set<Path> files = new LinkedHashSet<>();
    files.add(containersAuthFile(env));
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) {
      files.add(Path.of(runtime, "containers", "auth.json"));
    }
    files.add(persistentContainersAuthFile(env));
    return files.stream().filter(Files::exists).toList();
  }

  private static Path persistentContainersAuthFile(Map<String, String> env) {
    return Path.of(AgentPaths.userHome(env), ".config", "containers", "auth.json");
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
    return persistentContainersAuthFile(env);
  }
}
