package dev.credagent.cli.local;

import dev.credagent.cli.CliException;
import dev.credagent.cli.ExitCode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Op;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "stop", mixinStandardHelpOptions = true,
    description = "Stops the daemon; its memory (key and credentials) goes with it. The vault file stays.")
final class StopCommand implements Callable<Integer> {
  private static final long WAIT_NANOS = 2_000_000_000L;

  @Override
  public Integer call() throws Exception {
    AgentPaths paths = Agent.paths();
    try (AgentClient client = AgentClient.connect(paths)) {
      client.call(ClientRequest.op(Op.STOP));
    } catch (AgentUnavailableException notRunning) {
      System.out.println("no daemon is running");
      return ExitCode.OK;
    }
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (Files.exists(paths.socket())) {
      if (System.nanoTime() > deadline) {
        throw new CliException(ExitCode.ERROR, "the daemon acknowledged stop but its socket " + paths.socket() + " is still there");
      }
      Thread.sleep(10);
    }
    System.out.println("daemon stopped");
    return ExitCode.OK;
  }
}
