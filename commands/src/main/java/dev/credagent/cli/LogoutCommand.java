package dev.credagent.cli;

import dev.credagent.client.AgentErrorException;
import dev.credagent.client.ClientRequest;
import dev.credagent.failure.ErrorCode;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "logout", mixinStandardHelpOptions = true,
    description = "Removes the credentials stored for REGISTRY (default: Docker Hub), as `docker logout` does.")
final class LogoutCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  LogoutCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", arity = "0..1", paramLabel = "REGISTRY", completionCandidates = Completion.Servers.class)
  String registry = "";

  @Override
  public Integer call() throws Exception {
    String key = RegistryAddress.of(registry, false).key();
    try {
      session.call(profile.on(ClientRequest.op(Op.ERASE).with("server", key)));
      session.out().println("Removing login credentials for " + key);
    } catch (AgentErrorException e) {
      if (ErrorCode.fromWire(e.code()) != ErrorCode.NOT_FOUND) {
        throw e;
      }
      session.out().println("Not logged in to " + key);
    }
    return ExitCode.OK;
  }
}
