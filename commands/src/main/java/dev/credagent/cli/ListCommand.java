package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.JsonTrees;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryPattern;
import java.util.List;
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

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  @Option(names = "--erased", description = "List the erased credentials kept for `credagent restore` instead: when, and by which program.")
  boolean erased;

  /** A key that serves many registries: written with a '*' or a path, and valid as a pattern. */
  @Override
  public Integer call() throws Exception {
    if (erased) {
      return listErased();
    }
    if (profile.name != null) { // one profile's own credentials, as before profiles
      JsonNode credentials = session.call(profile.on(ClientRequest.op(Op.LIST))).path("credentials");
      if (json) {
        session.out().println(JsonTrees.write(credentials));
        return ExitCode.OK;
      }
      java.util.List<String[]> rows = new java.util.ArrayList<>();
      for (Map.Entry<String, JsonNode> entry : credentials.properties()) {
        rows.add(new String[] {profile.name, entry.getKey(), entry.getValue().asText()});
      }
      print(rows);
      return ExitCode.OK;
    }
    JsonNode answer = session.call(ClientRequest.op(Op.LIST).with("all_profiles", "true"));
    if (json) { // the default profile's, as every version printed; --profile NAME for another's
      session.out().println(JsonTrees.write(answer.path("credentials")));
      return ExitCode.OK;
    }
    List<String[]> rows = new java.util.ArrayList<>();
    if (answer.has("profile_credentials")) {
      for (JsonNode entry : answer.path("profile_credentials")) {
        rows.add(new String[] {entry.path("profile").asText(), entry.path("server").asText(), entry.path("username").asText()});
      }
    } else { // a daemon from before profiles
      for (Map.Entry<String, JsonNode> entry : answer.path("credentials").properties()) {
        rows.add(new String[] {"default", entry.getKey(), entry.getValue().asText()});
      }
    }
    print(rows);
    return ExitCode.OK;
  }

  /** PROFILE, SERVER, USERNAME rows as a table. */
  private void print(java.util.List<String[]> rows) {
    int profileWidth = "PROFILE".length();
    int width = "SERVER".length();
    for (String[] row : rows) {
      profileWidth = Math.max(profileWidth, row[0].length());
      width = Math.max(width, row[1].length());
    }
    String format = "%-" + profileWidth + "s  %-" + width + "s  %s%s%n";
    session.out().printf(format, "PROFILE", "SERVER", "USERNAME", "");
    for (String[] row : rows) {
      session.out().printf(format, TerminalText.escape(row[0]), TerminalText.escape(row[1]), TerminalText.escape(row[2]),
          RegistryPattern.isPattern(row[1]) ? "  (pattern)" : "");
    }
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
      String server = entry.path("server").asText();
      String in = entry.path("profile").asText("default");
      session.out().printf("%-" + width + "s  %-20s  %s (username %s%s)%n", TerminalText.escape(server),
          at, TerminalText.escape(entry.path("by").asText()), TerminalText.escape(entry.path("username").asText()),
          in.equals("default") ? "" : ", profile " + TerminalText.escape(in));
    }
    return ExitCode.OK;
  }
}
