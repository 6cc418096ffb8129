package dev.credagent.cli.local;

import dev.credagent.cli.CliException;
import dev.credagent.cli.ExitCode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentErrorException;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Op;
import java.io.IOException;
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
    ProcessHandle daemon;
    try (AgentClient client = AgentClient.connect(paths)) {
      // Its pid from itself: SO_PEERCRED names whoever called listen(), systemd for its socket. The
      // handle is taken while it surely runs, and knows its process's start: a reused pid is not it.
      daemon = daemonProcess(client);
      client.call(ClientRequest.op(Op.STOP));
    } catch (AgentUnavailableException notRunning) {
      System.out.println("no daemon is running");
      return ExitCode.OK;
    }
    long deadline = System.nanoTime() + WAIT_NANOS;
    // Its file goes as it stops, unless systemd bound it (socket activation), which keeps the file
    // for the next daemon: there the process's end says it stopped. A pid we cannot see (another pid
    // namespace): the file alone, as before.
    while (Files.exists(paths.socket()) && (daemon == null || daemon.isAlive())) {
      if (System.nanoTime() > deadline) {
        throw new CliException(ExitCode.ERROR, "the daemon acknowledged stop but its socket " + paths.socket() + " is still there");
      }
      Thread.sleep(10);
    }
    System.out.println("daemon stopped");
    return ExitCode.OK;
  }

  /** The daemon's process, or null where it does not say (a share refuses status: the stop's own refusal follows). */
  private static ProcessHandle daemonProcess(AgentClient client) throws IOException {
    long pid;
    try {
      pid = client.callWithin(ClientRequest.op(Op.STATUS), StartCommand.STATUS_WITHIN).path("pid").asLong(-1);
    } catch (AgentErrorException refused) {
      return null;
    }
    return pid > 0 ? ProcessHandle.of(pid).orElse(null) : null;
  }
}
