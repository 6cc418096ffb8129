package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.JsonTrees;
import dev.credagent.protocol.Op;
import dev.credagent.files.AgentPaths;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Shows whether the daemon runs and the vault is unlocked, and where they live. Starts nothing.")
final class StatusCommand implements Callable<Integer>, Relayable {
  private final Session session;

  StatusCommand(Session session) {
    this.session = session;
  }

  @Option(names = "--json", description = "Print the daemon's status answer as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    AgentPaths paths = session.paths();
    JsonNode status;
    try {
      status = session.callRunning(ClientRequest.op(Op.STATUS));
    } catch (AgentUnavailableException notRunning) {
      if (json) {
        session.out().println(JsonTrees.write(JsonNodeFactory.instance.objectNode()
            .put("running", false).put("socket", paths.socket().toString()).put("home", paths.home().toString())));
      } else {
        session.out().printf("daemon:  not running%nsocket:  %s%nhome:    %s%n", paths.socket(), paths.home());
      }
      return ExitCode.OK;
    }
    if (json) {
      session.out().println(JsonTrees.write(status));
      return ExitCode.OK;
    }
    String vault = status.path("locked").asBoolean()
        ? ("absent".equals(status.path("vault").asText()) ? "none yet (`credagent unlock` creates one)" : "locked"
            + (status.has("refusedWhileLocked") ? "; " + status.path("refusedWhileLocked").asInt()
                + " request(s) refused while locked, the last from " + TerminalText.escape(status.path("lastRefused").asText()) : ""))
        : "unlocked, " + status.path("credentials").asInt() + " credential(s)" + autoLock(status);
    session.out().printf("daemon:  running (pid %d, up %s, version %s)%nvault:   %s%nsocket:  %s%nhome:    %s%n",
        status.path("pid").asLong(), uptime(status.path("uptimeSeconds").asLong()), status.path("version").asText(),
        vault, status.path("socket").asText(), status.path("home").asText());
    status.path("shares").properties().forEach(share ->
        session.out().printf("share:   %s  (%s)%n", TerminalText.escape(share.getKey()),
            TerminalText.escape(withLocalExpiry(share.getValue().asText()))));
    return ExitCode.OK;
  }

  /** The daemon's "REGISTRIES; until INSTANT" with the instant as {@code share} prints it: local time, to the second. */
  static String withLocalExpiry(String share) {
    int until = share.lastIndexOf("; until ");
    return until < 0 ? share
        : share.substring(0, until) + "; until " + ShareCommand.localTime(share.substring(until + 8), ZoneId.systemDefault());
  }

  /** ", locks in 59m 10s (idle) / 7h 59m (max)", or nothing where both TTLs are off. */
  private static String autoLock(JsonNode status) {
    StringBuilder out = new StringBuilder();
    if (status.has("idleLockSeconds")) {
      out.append("idle lock in ").append(uptime(status.path("idleLockSeconds").asLong()));
    }
    if (status.has("maxLockSeconds")) {
      out.append(out.isEmpty() ? "" : ", ").append("max lock in ").append(uptime(status.path("maxLockSeconds").asLong()));
    }
    return out.isEmpty() ? " (no auto-lock)" : "; " + out;
  }

  private static String uptime(long seconds) {
    Duration d = Duration.ofSeconds(seconds);
    return d.toHours() > 0 ? d.toHours() + "h " + d.toMinutesPart() + "m"
        : d.toMinutes() > 0 ? d.toMinutes() + "m " + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }
}
