package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.imports.AuthFile;
import dev.credagent.imports.DockerConfig;
import dev.credagent.imports.Harvest;
import dev.credagent.protocol.Op;
import dev.credagent.setup.ContainersConfig;
import dev.credagent.setup.SearchPath;
import dev.credagent.setup.ServiceManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "doctor",
    header = "Checks the set-up and says what is wrong, one line each with the fix.", mixinStandardHelpOptions = true,
    description = {
      "Checks the set-up and says what is wrong, one line each with the fix: the daemon and its socket, the",
      "permissions of the home, docker's credsStore and credHelpers, plaintext left in config.json or auth.json,",
      "the vault, failing sources, the config file and the service unit. Exit 0 only when all is well."
    })
final class DoctorCommand implements Callable<Integer> {
  private final List<String> lines = new ArrayList<>();
  private int faults;

  @Override
  public Integer call() {
    Map<String, String> env = System.getenv();
    AgentPaths paths = Agent.paths();
    JsonNode status = daemon(paths);
    home(paths);
    config(env);
    Set<String> held = vault(paths, status);
    docker(env, held);
    plaintext(DockerConfig.containersAuthFile(env), "`credagent import --from-file " + DockerConfig.containersAuthFile(env)
        + "`, then `podman logout` for each");
    containers(env);
    service(env);
    lines.forEach(System.out::println);
    System.out.println(faults == 0 ? "all is well" : faults + " problem(s) found");
    return faults == 0 ? ExitCode.OK : ExitCode.ERROR;
  }

  private void ok(String what) {
    lines.add("ok    " + what);
  }

  private void fault(String what) {
    lines.add("FAIL  " + what);
    faults++;
  }

  private JsonNode daemon(AgentPaths paths) {
    try (AgentClient client = AgentClient.connect(paths)) { // checks the socket's owner and the peer's uid
      JsonNode status = client.call(ClientRequest.op(Op.STATUS));
      ok("daemon: running as you (pid " + status.path("pid").asLong() + ") on " + paths.socket());
      return status;
    } catch (AgentUnavailableException notRunning) {
      ok("daemon: not running; it starts at the first request (" + paths.socket() + ")");
    } catch (IOException e) {
      fault("daemon: " + e.getMessage());
    }
    return null;
  }

  private void home(AgentPaths paths) {
    if (!Files.exists(paths.home())) {
      ok("home: " + paths.home() + " does not exist yet (`credagent unlock` creates it)");
      return;
    }
    try {
      String repaired = PrivateDirectory.repair(paths.home(), CurrentUser.uid());
      if (repaired != null) {
        ok("home: " + repaired);
      }
      PrivateDirectory.check(paths.home(), CurrentUser.uid());
      Path vault = paths.vault();
      if (Files.exists(vault) && !java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(vault)).equals("rw-------")) {
        fault("home: " + vault + " is readable by others: chmod 600 " + vault);
      } else {
        ok("home: " + paths.home() + " is yours alone (0700)");
      }
      String damage = dev.credagent.vault.Vault.inspect(vault);
      if (damage != null) {
        fault("vault: " + damage);
      }
    } catch (IOException e) {
      fault("home: " + e.getMessage());
    }
  }

  private void config(Map<String, String> env) {
    Path file = AgentConfig.file(env);
    try {
      AgentConfig config = AgentConfig.load(file);
      ok("config: " + (Files.exists(file) ? file.toString() : "defaults") + " (idle-ttl "
          + dev.credagent.config.Durations.format(config.idleTtl()) + ", max-ttl "
          + dev.credagent.config.Durations.format(config.maxTtl()) + ")");
    } catch (ConfigException e) {
      fault("config: " + e.getMessage());
    }
  }

  /** The servers the vault holds (empty when locked or not running). */
  private Set<String> vault(AgentPaths paths, JsonNode status) {
    Set<String> held = new TreeSet<>();
    if (status == null) {
      return held;
    }
    if ("absent".equals(status.path("vault").asText())) {
      fault("vault: none yet: run `credagent unlock` to create it");
      return held;
    }
    if (status.path("locked").asBoolean()) {
      fault("vault: locked: run `credagent unlock`");
      return held;
    }
    ok("vault: unlocked, " + status.path("credentials").asInt() + " credential(s)");
    try (AgentClient client = AgentClient.connect(paths)) {
      client.call(ClientRequest.op(Op.LIST)).path("credentials").fieldNames().forEachRemaining(held::add);
    } catch (IOException e) {
      fault("vault: cannot list: " + e.getMessage());
    }
    try (AgentClient client = AgentClient.connect(paths)) {
      JsonNode sources = client.call(ClientRequest.op(Op.SOURCE_LIST));
      sources.path("sources").fieldNames().forEachRemaining(held::add);
      sources.path("failing").fields().forEachRemaining(failing -> fault("source: " + failing.getKey()
          + ": its last run failed (" + failing.getValue().asText() + "): fix it, or `credagent source remove "
          + failing.getKey() + "`"));
    } catch (IOException e) {
      fault("sources: cannot list: " + e.getMessage());
    }
    return held;
  }

  private void docker(Map<String, String> env, Set<String> held) {
    Path file = DockerConfig.file(env);
    ObjectNode root;
    try {
      root = AuthFile.read(file);
    } catch (IOException e) {
      fault("docker: " + e.getMessage());
      return;
    }
    String store = root.path("credsStore").asText("");
    if (!store.equals("agent")) {
      fault("docker: " + file + " has " + (store.isEmpty() ? "no credsStore" : "\"credsStore\": \"" + store + "\"")
          + ", so docker does not ask credagent: run `credagent setup`");
    } else {
      Optional<Path> helper = onPath("docker-credential-agent");
      if (helper.isEmpty()) {
        fault("docker: credsStore is agent, but docker-credential-agent is not on PATH: add the directory"
            + " credagent was installed in (" + launcherDir().map(Path::toString).orElse("PREFIX/bin") + ") to PATH");
      } else if (launcherDir().map(dir -> dir.resolve("docker-credential-agent")).filter(Files::exists)
          .map(own -> !sameFile(own, helper.get())).orElse(false)) {
        fault("docker: the docker-credential-agent on PATH is " + helper.get() + ", not the one installed with this"
            + " credagent (" + launcherDir().get().resolve("docker-credential-agent") + "): put that directory first on PATH");
      } else {
        ok("docker: credsStore is agent, and " + helper.get() + " is on PATH");
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("credHelpers").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getValue().asText("");
      if (name.equals("agent")) {
        continue;
      }
      if (onPath("docker-credential-" + name).isEmpty()) {
        fault("docker: credHelpers sends " + entry.getKey() + " to docker-credential-" + name
            + ", which is not on PATH: install it, or remove that entry from " + file);
      } else if (held.contains(entry.getKey())) {
        fault("docker: credHelpers sends " + entry.getKey() + " to docker-credential-" + name
            + ", though credagent holds it: docker never asks credagent for it; remove that entry from " + file);
      }
    }
    plaintext(file, "`credagent setup` (it imports them, then removes them from the file)");
  }

  private void plaintext(Path file, String fix) {
    if (!Files.exists(file)) {
      return;
    }
    try (Harvest harvest = AuthFile.credentials(file, AuthFile.read(file))) {
      if (!harvest.found().isEmpty()) {
        fault("plaintext: " + file + " holds " + harvest.found().size() + " credential(s) in base64 ("
            + harvest.found().stream().map(f -> f.server()).toList() + "): " + fix);
      } else {
        ok("plaintext: none in " + file);
      }
    } catch (IOException e) {
      fault("plaintext: " + e.getMessage());
    }
  }

  private void containers(Map<String, String> env) {
    ContainersConfig config = new ContainersConfig(env);
    Optional<Path> client = ContainersConfig.client(env);
    if (config.installed()) {
      ok("containers: podman, buildah and skopeo keep their logins in credagent (" + config.file() + ")");
    } else if (client.isPresent()) {
      fault("containers: " + client.get() + " is installed but does not use credagent (it ignores credsStore):"
          + " run `credagent setup`");
    }
  }

  private void service(Map<String, String> env) {
    ServiceManager services = ServiceManager.detect(env);
    if (services instanceof ServiceManager.None) {
      ok("service: " + services.name());
    } else if (services.installed()) {
      ok("service: " + services.name() + " units installed and enabled");
    } else {
      fault("service: " + services.name() + " runs here, but credagent's unit is not installed and enabled:"
          + " run `credagent setup`");
    }
  }

  /** Where bin/credagent was installed, with docker-credential-agent beside it (credagent-jvm says). */
  private static Optional<Path> launcherDir() {
    String bin = System.getProperty("credagent.bin");
    return bin == null || bin.isEmpty() ? Optional.empty() : Optional.of(Path.of(bin));
  }

  private static Optional<Path> onPath(String program) {
    return SearchPath.find(System.getenv(), program);
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.exists(a) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
