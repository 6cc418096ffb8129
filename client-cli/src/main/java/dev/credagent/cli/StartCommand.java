package dev.credagent.cli;

import dev.credagent.client.AgentClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "start", mixinStandardHelpOptions = true,
    description = {
      "Starts the daemon in the background unless one already runs, and returns once it answers.",
      "docker-credential-agent runs this when nothing answers on the socket."
    })
final class StartCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    AgentClient.connectOrStart(Agent.paths()).close();
    return ExitCode.OK;
  }
}
