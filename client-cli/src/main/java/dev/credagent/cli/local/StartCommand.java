package dev.credagent.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.cli.ExitCode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.DaemonStarter;
import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Op;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true,
    description = {
      "Starts the daemon in the background unless one already runs, and returns once it answers.",
      "docker-credential-agent runs this when nothing answers on the socket."
    })
final class StartCommand implements Callable<Integer> {
  @Option(names = "--start-lock-held", hidden = true,
      description = "Run by docker-credential-agent, which holds the start lock already.")
  boolean startLockHeld;

  @Override
  public Integer call() throws Exception {
    return run(startLockHeld);
  }

  /** Starts the daemon unless one answers; {@link StartMain} calls this without building the command tree. */
  static int run(boolean startLockHeld) throws Exception {
    return run(Agent.paths(), startLockHeld, STATUS_WITHIN);
  }

  /** A running daemon answers status at once; one that is stopped (SIGSTOP) or hung never does. */
  static final Duration STATUS_WITHIN = Duration.ofSeconds(10);

  static int run(AgentPaths paths, boolean startLockHeld, Duration statusWithin) throws Exception {
    boolean started = false;
    try {
      AgentClient.connect(paths).close();
    } catch (AgentUnavailableException notRunning) {
      DaemonStarter.start(paths, startLockHeld);
      started = true;
    }
    // Says what it did, as ssh-agent and gpgconf --launch users expect to read it.
    try (AgentClient client = AgentClient.connect(paths)) {
      JsonNode status = client.callWithin(ClientRequest.op(Op.STATUS), statusWithin);
      System.out.println((started ? "started" : "already running") + ", pid " + status.path("pid").asLong() + ", on "
          + status.path("socket").asText());
    }
    return ExitCode.OK;
  }
}
