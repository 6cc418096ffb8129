package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.JsonTrees;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryPattern;
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

  @Option(names = "--erased", description = "List the erased credentials kept for `credagent restore` instead: when, and by which program.")
  boolean erased;

  /** A key that serves many registries: written with a '*' or a path, and valid as a pattern. */
  @Override
  public Integer call() throws Exception {
    if (erased) {
      return listErased();
    }
    JsonNode credentials = session.call(ClientRequest.op(Op.LIST)).path("credentials");
    if (json) {
      session.out().println(JsonTrees.write(credentials));
      return ExitCode.OK;
    }
    int width = "SERVER".length();
    for (Map.Entry<String, JsonNode> entry : credentials.properties()) {
      width = Math.max(width, entry.getKey().length());
    }
    session.out().printf("%-" + width + "s  %s%n", "SERVER", "USERNAME");
    for (Map.Entry<String, JsonNode> entry : credentials.properties()) {
      session.out().printf("%-" + width + "s  %s%s%n", TerminalText.escape(entry.getKey()),
          TerminalText.escape(entry.getValue().asText()), RegistryPattern.isPattern(entry.getKey()) ? "  (pattern)" : "");
    }
    return ExitCode.OK;
  }

  private int listErased() throws Exception {
    JsonNode kept = session.call(ClientRequest.op(Op.LIST).with("erased", "true")).path("erased");
    if (json) {
      session.out().println(JsonTrees.write(kept));
      return ExitCode.OK;
    }
    int width = "SERVER".length();
    for (JsonNode entry : kept) {
      width = Math.max(width, entry.path("server").asText().length());
    }
    session.out().printf("%-" + width + "s  %-20s  %s%n", "SERVER", "ERASED", "BY");
    for (JsonNode entry : kept) {
      String at = entry.path("at").asText();
      session.out().printf("%-" + width + "s  %-20s  %s (username %s)%n", TerminalText.escape(entry.path("server").asText()),
          at, TerminalText.escape(entry.path("by").asText()), TerminalText.escape(entry.path("username").asText()));
    }
    return ExitCode.OK;
  }
}
