package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "erase", mixinStandardHelpOptions = true,
    header = "Removes the credentials stored for SERVER; they can be restored for a while.",
    description = {
      "Removes the credentials stored for SERVER (any of its registry's names: Docker Hub's under all of them).",
      "They are kept, encrypted in the vault and never served, for erased-ttl (7 days by default):",
      "`credagent list --erased` shows them and `credagent restore SERVER` brings one back."
    })
final class EraseCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  EraseCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", arity = "0..1", paramLabel = "SERVER", completionCandidates = Completion.Servers.class)
  String server;

  @Option(names = "--purge", description = "Delete at once, keeping nothing to restore.")
  boolean purge;

  @Option(names = "--all", description = "With --purge and no SERVER: delete every erased credential kept.")
  boolean all;

  @Override
  public Integer call() throws Exception {
    if (all != (server == null) || all && !purge) {
      throw new CliException(ExitCode.USAGE, all ? "--all goes with --purge and without SERVER: credagent erase --purge --all"
          : "give the SERVER to erase (or --purge --all for every erased credential)");
    }
    if (all) {
      JsonNode answer = session.call(ClientRequest.op(Op.ERASE).with("purge", "true").with("all", "true"));
      session.out().println("deleted " + answer.path("purged").asInt() + " erased credential(s)");
      return ExitCode.OK;
    }
    ClientRequest request = profile.on(ClientRequest.op(Op.ERASE).with("server", server));
    if (purge) {
      request.with("purge", "true");
    }
    session.call(request);
    return ExitCode.OK;
  }
}
