package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import dev.credagent.transport.CommandRelay;
import java.io.Console;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "login",
    header = "Logs in to REGISTRY (default: Docker Hub) and stores what it yields.", mixinStandardHelpOptions = true,
    description = {
      "Logs in to REGISTRY (default: Docker Hub) and stores what it yields, as `docker login` does:",
      "the username and password, or an identity token where the registry gives one.",
      "The daemon makes the login; the password is read without echo, or with --password-stdin."
    })
final class LoginCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  LoginCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", arity = "0..1", paramLabel = "REGISTRY", completionCandidates = Completion.Servers.class, description = "HOST[:PORT]; none for Docker Hub.")
  String registry = "";

  @Option(names = {"-u", "--username"}, description = "The username (asked on a terminal when not given).")
  String username;

  @Option(names = "--password-stdin", description = "Read the password from standard input (its first line).")
  boolean passwordStdin;

  @Option(names = "--as", paramLabel = "PATTERN",
      description = "Store the login under PATTERN, to serve the registries it matches (*.dkr.ecr.*.amazonaws.com).")
  String as;

  @Mixin
  InsecureOption insecure = new InsecureOption();

  @Override
  public Integer call() throws Exception {
    Console console = session.terminal().orElse(null);
    boolean terminal = console != null;
    if (username == null) {
      if (!terminal) {
        throw new CliException(ExitCode.USAGE, "no terminal to ask for the username: give it with -u USERNAME");
      }
      username = console.readLine("Username: ");
      if (username == null || username.isBlank()) {
        throw new CliException(ExitCode.ERROR, "no username given");
      }
    }
    char[] password;
    if (passwordStdin) {
      password = StdinSecret.readLine(session.in());
    } else if (terminal) {
      password = console.readPassword("Password: ");
      if (password == null) {
        throw new CliException(ExitCode.ERROR, "no password given");
      }
    } else {
      throw new CliException(ExitCode.USAGE, "no terminal to ask for the password: pipe it in with --password-stdin");
    }
    ClientRequest request = profile.on(ClientRequest.op(Op.LOGIN)).with("registry", registry).with("username", username)
        .withSecret("password", password);
    insecure.applyTo(request);
    if (as != null) {
      request.with("as", as);
    }
    JsonNode reply = session.call(request);
    session.out().println("Login Succeeded (stored for " + reply.path("server").asText() + ")");
    return ExitCode.OK;
  }

  /** Runs in the daemon when nothing is asked on the terminal. */
  @Override
  public CommandRelay.Input relayInput() {
    return username != null && passwordStdin ? CommandRelay.Input.LINE : CommandRelay.Input.HAND_BACK;
  }
}
