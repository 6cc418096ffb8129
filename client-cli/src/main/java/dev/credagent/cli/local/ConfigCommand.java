package dev.credagent.cli.local;

import dev.credagent.cli.ExitCode;
import dev.credagent.config.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "config", mixinStandardHelpOptions = true,
    description = {
      "Shows the settings in effect: those of config.toml, the defaults for the rest.",
      "The daemon reads the file when it starts and again at each unlock."
    })
final class ConfigCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Path file = AgentConfig.file(System.getenv());
    AgentConfig config = AgentConfig.load(file); // a bad file: its line, exit 1
    System.out.println("# " + file + (Files.exists(file) ? "" : " (absent: every setting is its default)"));
    System.out.print(config.toToml());
    return ExitCode.OK;
  }
}
