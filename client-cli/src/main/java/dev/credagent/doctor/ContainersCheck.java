package dev.credagent.doctor;

import dev.credagent.setup.ContainersConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** podman, buildah and skopeo: where one is installed, its logins go to credagent (the registries.conf.d drop-in). */
public record ContainersCheck(Map<String, String> env) implements Check {
  @Override
  public List<Finding> run() {
    ContainersConfig config = new ContainersConfig(env);
    Optional<Path> client = ContainersConfig.client(env);
    if (config.installed()) {
      return List.of(Finding.ok("containers: podman, buildah and skopeo keep their logins in credagent ("
          + config.file() + ")"));
    }
    if (client.isPresent()) {
      return List.of(Finding.fault("containers: " + client.get() + " is installed but does not use credagent (it"
          + " ignores credsStore): run `credagent setup`"));
    }
    return List.of();
  }
}
