package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code credagent __complete KIND}: the names the shell completes to, one a line, from a running
 * daemon. Hidden: the completion script runs it through the native credagent with
 * {@code CREDAGENT_RELAY_ONLY=1}, so it runs in the daemon and nothing starts (no JVM, no daemon).
 * Quiet: a locked vault, no daemon, or any failure print nothing and exit 0 (a Tab is no place
 * for an error). Names only, never a secret or a username; a name with whitespace or a control
 * character is left out, as the shell could not take it as one word anyway.
 */
@Command(name = "__complete", hidden = true, description = "The names the shell completes to (for the completion script).")
final class CompleteCommand implements Callable<Integer>, Relayable {
  /** The kinds, as {@link Completion#kindOf} names them. */
  enum Kind { servers, erased, sources, shares, profiles, files }

  private final Session session;

  CompleteCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "KIND")
  String kind;

  @Override
  public Integer call() {
    try {
      for (String name : names(Kind.valueOf(kind))) {
        if (name.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
          session.out().println(name);
        }
      }
    } catch (Exception nothing) {
      // locked, no daemon, an unknown kind: nothing to offer, and nothing to say at a Tab
    }
    return ExitCode.OK;
  }

  private Iterable<String> names(Kind which) throws Exception {
    return switch (which) {
      case servers -> keys(request(Op.LIST).path("credentials"));
      case erased -> {
        TreeSet<String> servers = new TreeSet<>();
        for (JsonNode entry : session.callRunning(ClientRequest.op(Op.LIST).with("erased", "true")).path("erased")) {
          servers.add(entry.path("server").asText());
        }
        yield servers;
      }
      case sources -> keys(request(Op.SOURCE_LIST).path("sources"));
      case shares -> keys(request(Op.STATUS).path("shares"));
      case profiles -> List.of(); // the hook for profiles: their names, once they exist
      case files -> List.of(); // the shell's own
    };
  }

  /** Never starts a daemon: a completion of a session without one offers nothing. */
  private JsonNode request(Op op) throws Exception {
    return session.callRunning(ClientRequest.op(op));
  }

  private static List<String> keys(JsonNode object) {
    List<String> keys = new ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    keys.sort(null);
    return keys;
  }
}
