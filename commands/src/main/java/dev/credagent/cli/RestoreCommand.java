package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "restore", mixinStandardHelpOptions = true,
    header = "Brings back the credentials last erased for SERVER.",
    description = {
      "Brings back the credentials last erased for SERVER, as they were: an erase through any door",
      "(docker logout, podman logout --all, credagent erase) is kept for erased-ttl (7 days by default),",
      "and so is a credential a store or a login replaced. `credagent list --erased` shows what can be",
      "restored. A different credential stored under SERVER now is not lost: it is kept as erased in its",
      "turn, and named; a second restore brings it back."
    })
final class RestoreCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  RestoreCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "SERVER", completionCandidates = Completion.Erased.class)
  String server;

  @Override
  public Integer call() throws Exception {
    JsonNode answer = session.call(profile.on(ClientRequest.op(Op.RESTORE).with("server", server)));
    session.out().println("restored " + TerminalText.escape(server));
    if (answer.hasNonNull("replaced")) {
      session.out().println("the credential it replaced (" + TerminalText.escape(answer.path("replaced").asText())
          + ") is kept as erased: `credagent restore " + TerminalText.escape(server) + "` brings it back");
    }
    return ExitCode.OK;
  }
}
