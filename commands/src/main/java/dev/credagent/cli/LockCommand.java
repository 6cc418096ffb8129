package dev.credagent.cli;

import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "lock", mixinStandardHelpOptions = true,
    description = "Drops the key and every credential from the daemon's memory at once.")
final class LockCommand implements Callable<Integer>, Relayable {
  private final Session session;

  LockCommand(Session session) {
    this.session = session;
  }

  @Override
  public Integer call() throws Exception {
    try {
      session.callRunning(ClientRequest.op(Op.LOCK));
      session.out().println("vault locked");
    } catch (AgentUnavailableException notRunning) {
      session.out().println("no daemon is running, so nothing is unlocked");
    }
    return ExitCode.OK;
  }
}
