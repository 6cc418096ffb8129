package dev.credagent.setup;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * podman, buildah and skopeo (containers/image) ignore docker's {@code credsStore}
 * (containers/image#111), but take a list of default credential helpers from registries.conf:
 * {@code credential-helpers}. A drop-in of ours puts credagent first: {@code podman login} stores
 * through it (the first helper that accepts wins, so nothing is written to auth.json), reads ask
 * it first and fall back to the auth files for what it does not hold, and {@code logout} erases
 * from each. One file, no per-registry bookkeeping, nothing to refresh on a tmpfs at login.
 */
public final class ContainersConfig {
  public static final String FILE_NAME = "50-credagent.conf";
  static final String CONTENT = """
      # Written by `credagent setup` (removed by `credagent setup --undo`): podman, buildah and skopeo
      # keep registry credentials in credagent (docker-credential-agent), and read the auth.json
      # files only for what credagent does not hold. See containers-registries.conf(5).
      credential-helpers = ["agent", "containers-auth.json"]
      """;
  /** The programs that read this file; setup writes it where one of them is installed. */
  public static final List<String> CLIENTS = List.of("podman", "buildah", "skopeo");

  private final Path file;

  public ContainersConfig(Map<String, String> env) {
    // containers/image reads the per-user drop-ins under $HOME, not $XDG_CONFIG_HOME.
    this.file = Path.of(AgentPaths.userHome(env),
        ".config", "containers", "registries.conf.d", FILE_NAME);
  }

  public Path file() {
    return file;
  }

  public boolean installed() {
    try {
      return Files.exists(file) && Files.readString(file).equals(CONTENT);
    } catch (IOException e) {
      return false;
    }
  }

  /** The first of podman, buildah or skopeo on PATH. */
  public static Optional<Path> client(Map<String, String> env) {
    return CLIENTS.stream().map(name -> SearchPath.find(env, name)).flatMap(Optional::stream).findFirst();
  }

  public List<String> install(boolean dryRun) throws IOException {
    if (installed()) {
      return List.of();
    }
    if (!dryRun) {
      Files.createDirectories(file.getParent());
      DurableFile.replace(DurableFile.throughLinks(file), CONTENT.getBytes(StandardCharsets.UTF_8));
    }
    return List.of("write " + file + ": podman, buildah and skopeo keep their logins in credagent");
  }

  public List<String> remove(boolean dryRun) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    if (!dryRun) {
      Files.delete(file);
    }
    return List.of("remove " + file);
  }
}
