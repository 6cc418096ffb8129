package dev.credagent.cli.local;

import dev.credagent.cli.ExitCode;
import dev.credagent.config.AgentConfig;
import dev.credagent.doctor.Check;
import dev.credagent.doctor.ConfigCheck;
import dev.credagent.doctor.ContainersCheck;
import dev.credagent.doctor.DaemonCheck;
import dev.credagent.doctor.DockerCheck;
import dev.credagent.doctor.Finding;
import dev.credagent.doctor.HomeCheck;
import dev.credagent.doctor.PlaintextCheck;
import dev.credagent.doctor.ServiceCheck;
import dev.credagent.doctor.VaultCheck;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.imports.DockerConfig;
import dev.credagent.setup.SearchPath;
import dev.credagent.setup.ServiceManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  @Override
  public Integer call() {
    Map<String, String> env = System.getenv();
    AgentPaths paths = Agent.paths();
    List<Finding> findings = new ArrayList<>();
    DaemonCheck daemon = new DaemonCheck(paths);
    findings.addAll(daemon.run());
    findings.addAll(new HomeCheck(paths.home(), paths.vault(), CurrentUser.uid()).run());
    findings.addAll(new ConfigCheck(AgentConfig.file(env)).run());
    VaultCheck vault = new VaultCheck(daemon.status(), daemon);
    findings.addAll(vault.run());
    Path containersAuth = DockerConfig.containersAuthFile(env);
    for (Check check : List.of(
        new DockerCheck(DockerConfig.file(env), vault.held(), program -> SearchPath.find(env, program), installedIn()),
        new PlaintextCheck(containersAuth, "`credagent import --from-file " + containersAuth + "`, then `podman logout` for each"),
        new ContainersCheck(env),
        new ServiceCheck(ServiceManager.detect(env)))) {
      findings.addAll(check.run());
    }
    findings.forEach(finding -> System.out.println(finding.line()));
    long faults = findings.stream().filter(finding -> !finding.ok()).count();
    System.out.println(faults == 0 ? "all is well" : faults + " problem(s) found");
    return faults == 0 ? ExitCode.OK : ExitCode.ERROR;
  }

  /** Where bin/credagent was installed, with docker-credential-agent beside it (credagent-jvm says). */
  private static Optional<Path> installedIn() {
    String bin = System.getProperty("credagent.bin");
    return bin == null || bin.isEmpty() ? Optional.empty() : Optional.of(Path.of(bin));
  }
}
