package dev.credagent.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where each client keeps its auth file, as each of them looks. */
class DockerConfigTest {
  @TempDir Path dir;

  @Test
  void dockerLooksInDockerConfigThenTheHomesDotDocker() {
    assertEquals(Path.of("/h/.docker/config.json"), DockerConfig.file(Map.of("HOME", "/h")));
    assertEquals(Path.of("/d/config.json"), DockerConfig.file(Map.of("HOME", "/h", "DOCKER_CONFIG", "/d")));
    assertEquals(Path.of("/h/.docker/config.json"), DockerConfig.file(Map.of("HOME", "/h", "DOCKER_CONFIG", "")),
        "an empty DOCKER_CONFIG is unset, as docker reads it");
  }

  @Test
  void podmanLooksInRegistryAuthFileThenTheRuntimeDirThenConfig() throws Exception {
    assertEquals(Path.of("/a.json"), DockerConfig.containersAuthFile(Map.of("REGISTRY_AUTH_FILE", "/a.json", "XDG_RUNTIME_DIR", "/run/u")));
    assertEquals(Path.of("/run/u/containers/auth.json"), DockerConfig.containersAuthFile(Map.of("XDG_RUNTIME_DIR", "/run/u", "HOME", "/h")));
    assertEquals(Path.of("/h/.config/containers/auth.json"), DockerConfig.containersAuthFile(Map.of("HOME", "/h")));

    Path runtime = Files.createDirectories(dir.resolve("run/containers"));
    Path config = Files.createDirectories(dir.resolve("home/.config/containers"));
    Files.writeString(runtime.resolve("auth.json"), "{}");
    Files.writeString(config.resolve("auth.json"), "{}");
    Map<String, String> env = Map.of("XDG_RUNTIME_DIR", dir.resolve("run").toString(), "HOME", dir.resolve("home").toString());
    assertEquals(List.of(runtime.resolve("auth.json"), config.resolve("auth.json")), DockerConfig.containersAuthFiles(env),
        "each that exists, once, in the order podman looks");
  }
}
