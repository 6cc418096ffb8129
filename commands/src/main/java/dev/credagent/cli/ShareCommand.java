package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Locale;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "share",
    header = "Opens a second socket that serves only get and token, for some registries.", mixinStandardHelpOptions = true,
    description = {
      "Opens a share: a second socket that serves only get and token (and the helper's get and list),",
      "only for the registries the patterns allow, until the TTL runs out. For ssh -R and containers:",
      "  ssh -R /run/user/1000/credagent/agent.sock:$(credagent share \\",
      "      --print-path --registry ghcr.io) host",
      "and there: CREDAGENT_AUTOSTART=0 docker pull ... Each credential it serves is an audit log line",
      "(once per key and program each hour; repeats, and answers past its hourly budget, are counted).",
      "Every share is read-only: it never stores, erases or unlocks."
    })
final class ShareCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  ShareCommand(Session session) {
    this.session = session;
  }

  @Option(names = "--socket", paramLabel = "PATH", completionCandidates = Completion.Files.class, description = "Where (default: a new name beside the daemon's socket).")
  String socket;

  @Option(names = "--registry", paramLabel = "PATTERN",
      description = "A registry it serves: HOST[:PORT][/PATH], '*' for one DNS label; may be repeated (default: all).")
  List<String> registries = new ArrayList<>();

  @Option(names = "--ttl", paramLabel = "DURATION", description = "How long it stays open (30m, 8h, 1d); default 1h.")
  String ttl;

  @Option(names = "--print-path", description = "Print the share's socket path alone (for ssh -R).")
  boolean printPath;

  @Option(names = "--stop", paramLabel = "PATH", completionCandidates = Completion.Shares.class, description = "Close the share on PATH instead.")
  String stop;

  @Override
  public Integer call() throws Exception {
    if (stop != null) {
      session.call(ClientRequest.op(Op.SHARE_STOP).with("socket", stop));
      session.out().println("share on " + stop + " stopped");
      return ExitCode.OK;
    }
    if (registries.stream().anyMatch(String::isBlank)) {
      // A blank pattern would read as no pattern at all: a share for every registry.
      throw new CliException(ExitCode.USAGE,
          "--registry needs a pattern (HOST[:PORT][/PATH]); leave --registry out to share every registry");
    }
    ClientRequest request = profile.on(ClientRequest.op(Op.SHARE));
    if (!registries.isEmpty()) {
      request.with("registries", String.join("\n", registries));
    }
    if (socket != null) {
      request.with("socket", socket);
    }
    if (ttl != null) {
      request.with("ttl", ttl);
    }
    JsonNode share = session.call(request);
    if (printPath) {
      session.out().println(share.path("socket").asText());
    } else {
      session.out().println(TerminalText.escape("share " + share.path("name").asText() + " on " + share.path("socket").asText()
          + " for " + share.path("registries").asText()
          + (share.path("profile").asText("default").equals("default") ? "" : " in profile " + share.path("profile").asText())
          + ", until " + localTime(share.path("expires_at").asText(), ZoneId.systemDefault())));
    }
    return ExitCode.OK;
  }

  private static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx", Locale.ROOT);

  /** An RFC 3339 instant (the protocol's, to the nanosecond) as a person reads it: local time, to the second. */
  static String localTime(String instant, ZoneId zone) {
    try {
      return LOCAL_TIME.format(Instant.parse(instant).truncatedTo(ChronoUnit.SECONDS).atZone(zone));
    } catch (DateTimeParseException e) {
      return instant; // a daemon that wrote something else: show it as it came
    }
  }
}
