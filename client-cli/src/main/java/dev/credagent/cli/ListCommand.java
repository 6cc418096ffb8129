package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
    description = "Lists the servers with stored credentials and their usernames (never the secrets).")
final class ListCommand implements Callable<Integer>, Relayable {
  private final Session session;

  ListCommand(Session session) {
    this.session = session;
  }

  @Option(names = "--json", description = "Print a JSON object of server to username.")
  boolean json;

  /** A key that serves many registries: written with a '*' or a path, and valid as a pattern. */
  private static boolean isPattern(String key) {
    try {
      return dev.credagent.registry.RegistryPattern.looksLikeOne(key) && dev.credagent.registry.RegistryPattern.of(key).isPresent();
    } catch (IllegalArgumentException notOne) {
      return false;
    }
  }

  @Override
  public Integer call() throws Exception {
    JsonNode credentials = session.call(ClientRequest.op(Op.LIST)).path("credentials");
    if (json) {
      session.out().println(credentials);
      return ExitCode.OK;
    }
    int width = "SERVER".length();
    for (Map.Entry<String, JsonNode> entry : credentials.properties()) {
      width = Math.max(width, entry.getKey().length());
    }
    session.out().printf("%-" + width + "s  %s%n", "SERVER", "USERNAME");
    for (Map.Entry<String, JsonNode> entry : credentials.properties()) {
      session.out().printf("%-" + width + "s  %s%s%n", TerminalText.escape(entry.getKey()),
          TerminalText.escape(entry.getValue().asText()), isPattern(entry.getKey()) ? "  (pattern)" : "");
    }
    return ExitCode.OK;
  }
}
