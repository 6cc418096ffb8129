package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "restore", mixinStandardHelpOptions = true,
    header = "Brings back the credentials last erased for SERVER.",
    description = {
      "Brings back the credentials last erased for SERVER, as they were: an erase through any door",
      "(docker logout, podman logout --all, credagent erase) is kept for erased-ttl (7 days by default).",
      "`credagent list --erased` shows what can be restored."
    })
final class RestoreCommand implements Callable<Integer>, Relayable {
  private final Session session;

  RestoreCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "SERVER")
  String server;

  @Override
  public Integer call() throws Exception {
    session.call(ClientRequest.op(Op.RESTORE).with("server", server));
    session.out().println("restored " + TerminalText.escape(server));
    return ExitCode.OK;
  }
}
