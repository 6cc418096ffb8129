package dev.credagent.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.cli.ExitCode;
import dev.credagent.cli.UnlockCommand;
import dev.credagent.client.AgentClient;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.imports.AuthFile;
import dev.credagent.imports.DockerConfig;
import dev.credagent.imports.Harvest;
import dev.credagent.imports.Importer;
import dev.credagent.protocol.Op;
import dev.credagent.setup.ContainersConfig;
import dev.credagent.setup.CredsStorePlan;
import dev.credagent.setup.JsonFiles;
import dev.credagent.setup.ServiceManager;
import dev.credagent.setup.SetupState;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "setup",
    header = "Points docker and podman at credagent and moves plaintext into the vault.", mixinStandardHelpOptions = true,
    description = {
      "Points docker at credagent (\"credsStore\": \"agent\" in $DOCKER_CONFIG/config.json, every other key kept),",
      "moves the passwords lying in its \"auths\" into the vault and out of the file, and installs the systemd",
      "or launchd service where one runs. Writes a backup (config.json.credagent-backup) before changing the file.",
      "Where podman, buildah or skopeo is installed, makes them keep their logins in credagent too (a",
      "registries.conf.d drop-in) and moves the plaintext of their auth.json files into the vault likewise.",
      "Running it again changes nothing; --undo puts the previous credsStore back and removes the service."
    })
final class SetupCommand implements Callable<Integer> {
  @Option(names = "--dry-run", description = "Print what would change; change nothing.")
  boolean dryRun;

  @Option(names = "--undo", description = "Restore the previous credsStore (or remove ours) and remove the service units.")
  boolean undo;

  @Option(names = {"-y", "--yes"}, description = "Remove the imported plaintext from config.json without asking.")
  boolean yes;

  @Option(names = "--no-service", description = "Install no systemd or launchd service (the daemon starts on demand).")
  boolean noService;

  @Option(names = "--containers", negatable = true,
      description = "Make podman, buildah and skopeo keep their logins in credagent too (default: where one of them is installed).")
  Boolean containers;

  private final List<String> done = new ArrayList<>();
  private final Map<String, String> env;
  private final PrintStream out;

  SetupCommand() {
    this(System.getenv(), System.out);
  }

  /** The environment it reads (DOCKER_CONFIG, HOME, CREDAGENT_HOME...) and where it reports: a test's. */
  SetupCommand(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    AgentPaths paths = AgentPaths.fromEnvironment(env, CurrentUser.uid());
    Path config = DockerConfig.file(env);
    ObjectNode root = AuthFile.read(config); // a malformed file stops here, naming the place
    if (undo) {
      undo(paths, config, root, env);
    } else {
      setup(paths, config, root, env);
    }
    String prefix = dryRun ? "would " : "";
    if (done.stream().allMatch(line -> line.startsWith("note:"))) {
      out.println(undo ? "nothing to undo" : "nothing to do: docker already uses credagent");
    }
    done.forEach(line -> out.println(line.startsWith("note:") ? line : prefix + line));
    return ExitCode.OK;
  }

  private void setup(AgentPaths paths, Path config, ObjectNode root, Map<String, String> env) throws Exception {
    if (!dryRun) {
      // A home an earlier version created with the umask (0755): the daemon and unlock refuse it.
      String repaired = PrivateDirectory.repair(paths.home(), CurrentUser.uid());
      if (repaired != null) {
        done.add(repaired);
      }
    }
    Imported imported = importFrom(config, root, "nothing was imported, and docker keeps its credsStore so that"
        + " they still work; run `credagent unlock`, then `credagent setup` again");
    CredsStorePlan plan = CredsStorePlan.setup(config, root, imported.outcome() != Plaintext.LOCKED, imported.servers());
    done.addAll(plan.changes());
    if (plan.writes() && !dryRun) {
      if (plan.state() != null) {
        plan.state().write(paths.home());
      }
      Path backup = JsonFiles.replaceWithBackup(config, JsonFiles.render(plan.after()), Instant.now());
      done.add("wrote " + config + (backup == null ? "" : " (the file before: " + backup + ")"));
      if (backup != null && !imported.servers().isEmpty()) {
        done.add("note: that backup still holds the plaintext: delete it once docker works as you expect");
      }
    }
    if ((containers != null ? containers : ContainersConfig.client(env).isPresent()) && env.get("DOCKER_CONFIG") != null
        && env.get("REGISTRY_AUTH_FILE") == null) {
      done.add("note: DOCKER_CONFIG is set, so podman, buildah and skopeo take " + config + " for their auth file, and"
          + " their logout rewrites it without \"credsStore\" (the next docker login would bypass credagent); set"
          + " REGISTRY_AUTH_FILE=$XDG_RUNTIME_DIR/containers/auth.json for them (the README's podman section)");
    }
    if (containers != null ? containers : ContainersConfig.client(env).isPresent()) {
      ContainersConfig containersConfig = new ContainersConfig(env);
      for (Path authFile : DockerConfig.containersAuthFiles(env)) {
        moveOut(authFile);
      }
      done.addAll(containersConfig.install(dryRun));
    }
    if (!noService) {
      String launcher = System.getProperty("credagent.launcher");
      ServiceManager services = ServiceManager.detect(env);
      if (launcher == null) {
        done.add("note: not run through the credagent launcher: no service installed");
      } else if (!(services instanceof ServiceManager.None) && services.installed()) {
        // installed and enabled already: idempotent
      } else if (services instanceof ServiceManager.None) {
        done.add("note: " + services.install(Path.of(launcher), dryRun).getFirst());
      } else {
        done.addAll(services.install(Path.of(launcher), dryRun));
      }
    }
  }

  /** What became of the plaintext credentials of one auth file. */
  private enum Plaintext { NONE, LOCKED, KEPT, STRIPPED }

  /** The outcome, and the servers whose plaintext the vault now holds and the user agreed to remove. */
  private record Imported(Plaintext outcome, List<String> servers) {
    static final Imported NONE = new Imported(Plaintext.NONE, List.of());
  }

  /**
   * Imports the credentials {@code root} (read from {@code file}) holds and, if the user agrees,
   * strips them from {@code root}; the caller writes it. LOCKED: the vault is locked, and there is
   * no terminal to ask for its passphrase; {@code whenLocked} then tells the user what follows.
   */
  private Imported importFrom(Path file, ObjectNode root, String whenLocked) throws Exception {
    try (Harvest harvest = AuthFile.credentials(file, root)) {
      if (harvest.found().isEmpty()) {
        return Imported.NONE;
      }
      if (dryRun) {
        done.add("import " + harvest.found().size() + " credential(s) from " + file + " into the vault: "
            + harvest.found().stream().map(Object::toString).toList());
        return new Imported(Plaintext.KEPT, List.of());
      }
      if (!unlocked()) {
        done.add("note: " + file + " holds " + harvest.found().size() + " credential(s), and the vault is locked: "
            + whenLocked);
        return new Imported(Plaintext.LOCKED, List.of());
      }
      List<String> stripped = importAndAsk(file, harvest);
      return new Imported(stripped.isEmpty() ? Plaintext.KEPT : Plaintext.STRIPPED, stripped);
    }
  }

  /** Moves the plaintext of a containers auth file into the vault, as for docker's file. */
  private void moveOut(Path file) throws Exception {
    ObjectNode root = AuthFile.read(file);
    Imported imported = importFrom(file, root, "run `credagent unlock`, then `credagent setup` again to import them");
    if (imported.outcome() == Plaintext.STRIPPED) {
      CredsStorePlan plan = CredsStorePlan.setup(file, root, false, imported.servers());
      done.addAll(plan.changes());
      Path backup = JsonFiles.replaceWithBackup(file, JsonFiles.render(plan.after()), Instant.now());
      done.add("wrote " + file + " (the file before: " + backup + "; delete it once podman works as you expect)");
    }
  }

  /** Imports what config.json holds; the servers whose plaintext the user agrees to remove now that the vault holds them. */
  private List<String> importAndAsk(Path config, Harvest harvest) throws Exception {
    List<Importer.Line> report;
    try (AgentClient agent = AgentClient.connectOrStart(AgentPaths.fromEnvironment(env, CurrentUser.uid()))) {
      report = new Importer(agent, false, false).apply(harvest);
    }
    ImportCommand.print(config.toString(), report, false);
    List<String> held = report.stream().filter(l -> l.outcome() != Importer.Outcome.SKIPPED).map(Importer.Line::server).toList();
    if (held.isEmpty()) {
      return List.of();
    }
    boolean strip = yes || ask("Remove these " + held.size() + " plaintext credential(s) from " + config
        + " now that the vault holds them? [Y/n] ");
    if (!strip) {
      done.add("note: the plaintext stays in " + config + (System.console() == null
          ? " (no terminal to ask; `credagent setup --yes` removes it)" : ""));
      return List.of();
    }
    return held;
  }

  private void undo(AgentPaths paths, Path config, ObjectNode root, Map<String, String> env) throws Exception {
    CredsStorePlan plan = CredsStorePlan.undo(config, root, SetupState.read(paths.home()));
    done.addAll(plan.changes());
    if (plan.writes() && !dryRun) {
      Path backup = JsonFiles.replaceWithBackup(config, JsonFiles.render(plan.after()), Instant.now());
      done.add("wrote " + config + " (the file before: " + backup + ")");
    }
    done.addAll(plan.notes());
    done.addAll(new ContainersConfig(env).remove(dryRun));
    done.addAll(ServiceManager.detect(env).uninstall(dryRun));
    if (!dryRun) {
      SetupState.remove(paths.home());
    }
  }

  /** Whether the vault is open, asking for the passphrase on a terminal where it is not. */
  private static boolean unlocked() throws Exception {
    JsonNode status = Agent.call(ClientRequest.op(Op.STATUS));
    if (!status.path("locked").asBoolean()) {
      return true;
    }
    Console console = System.console();
    if (console == null || !console.isTerminal()) {
      return false;
    }
    return new UnlockCommand(new LocalSession()).call() == ExitCode.OK;
  }

  private static boolean ask(String question) {
    Console console = System.console();
    if (console == null || !console.isTerminal()) {
      return false;
    }
    String answer = console.readLine(question);
    return answer != null && (answer.isBlank() || answer.strip().toLowerCase(Locale.ROOT).startsWith("y"));
  }
}
