package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import dev.credagent.transport.CommandRelay;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "store", mixinStandardHelpOptions = true,
    description = {
      "Stores credentials for SERVER, replacing any there were.",
      "The secret (password or token) is read from standard input, never from the command line;",
      "one trailing newline is dropped.",
      "",
      "With --pattern, SERVER serves several registries or repositories: '*' stands for one DNS label, and",
      "a path serves the repositories under it, as in *.dkr.ecr.*.amazonaws.com or ghcr.io/my-org/."
    })
final class StoreCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  StoreCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "SERVER", completionCandidates = Completion.Servers.class, description = "The server exactly as clients will ask for it.")
  String server;

  @Option(names = {"-u", "--username"}, required = true, description = "The username.")
  String username;

  @Option(names = "--pattern", description = "SERVER is a pattern that serves several registries or repositories (above).")
  boolean pattern;

  @Override
  public Integer call() throws Exception {
    char[] secret = StdinSecret.readAll(session.in());
    ClientRequest request = profile.on(ClientRequest.op(Op.STORE)).with("server", server).with("username", username);
    if (pattern) {
      request.with("pattern", "true");
    } else if (server.contains("*")) {
      // It serves as a pattern all the same (a key with '*' is matched as one); say so, and how to have it checked.
      session.err().println("credagent: note: " + TerminalText.escape(server) + " looks like a pattern: it is stored"
          + " as written and serves every registry it matches; --pattern checks it and stores it in its canonical form");
    }
    session.call(request.withSecret("secret", secret));
    return ExitCode.OK;
  }

  @Override
  public CommandRelay.Input relayInput() {
    return CommandRelay.Input.ALL;
  }
}
