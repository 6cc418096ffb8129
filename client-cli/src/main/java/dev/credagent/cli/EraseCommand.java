package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "erase", mixinStandardHelpOptions = true, description = "Removes the credentials stored for SERVER.")
final class EraseCommand implements Callable<Integer>, Relayable {
  private final Session session;

  EraseCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "SERVER")
  String server;

  @Override
  public Integer call() throws Exception {
    session.call(ClientRequest.op(Op.ERASE).with("server", server));
    return ExitCode.OK;
  }
}
