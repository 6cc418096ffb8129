package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "source",
    header = "Manages the commands and helpers the daemon runs for a registry's secret.", mixinStandardHelpOptions = true,
    description = {
      "Where a registry's secret comes from when credagent does not hold it: a command or another",
      "credential helper, run by the daemon and cached, so a slow one runs once per TTL, not per pull."
    },
    subcommands = {SourceCommand.Add.class, SourceCommand.ListSources.class, SourceCommand.Remove.class})
final class SourceCommand implements Runnable, Relayable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "add", mixinStandardHelpOptions = true, header = "Adds (or replaces) the source for REGISTRY.",
      description = {
        "Adds (or replaces) the source for REGISTRY, e.g.:",
        "  credagent source add 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\",
        "      --exec 'aws ecr get-login-password --region eu-west-1' \\",
        "      --username AWS --ttl 12h",
        "  credagent source add europe-docker.pkg.dev \\",
        "      --helper gcloud --ttl 30m",
        "The command runs without a shell (write sh -c '...' for one), with a 30 s timeout."
      })
  static final class Add implements Callable<Integer>, Relayable {
    private final Session session;

    Add(Session session) {
      this.session = session;
    }

    @Parameters(index = "0", paramLabel = "REGISTRY", description = "The server exactly as clients ask for it.")
    String registry;

    @picocli.CommandLine.Mixin
    ProfileOption profile = new ProfileOption();

    @ArgGroup(multiplicity = "1")
    Kind kind;

    static final class Kind {
      @Option(names = "--exec", paramLabel = "COMMAND", description = "A command whose output is the password.")
      String exec;

      @Option(names = "--helper", paramLabel = "NAME", description = "Another credential helper: docker-credential-NAME.")
      String helper;
    }

    @Option(names = {"-u", "--username"}, description = "For --exec: the username that goes with its output.")
    String username;

    @Option(names = "--ttl", description = "How long a value lives (90s, 30m, 12h, 1d); default 1h. Refreshed at half.")
    String ttl;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable for the command; may be repeated.")
    List<String> env = new ArrayList<>();

    @Option(names = "--pattern", description = "REGISTRY is a pattern: the source serves every registry it matches.")
    boolean pattern;

    @Override
    public Integer call() throws Exception {
      ClientRequest request = profile.on(ClientRequest.op(Op.SOURCE_ADD)).with("registry", registry).with("env", String.join("\n", env));
      if (kind.exec != null) {
        request.with("exec", kind.exec);
      } else {
        request.with("helper", kind.helper);
      }
      if (username != null) {
        request.with("username", username);
      }
      if (ttl != null) {
        request.with("ttl", ttl);
      }
      if (pattern) {
        request.with("pattern", "true");
      }
      JsonNode answer = session.call(request);
      if (answer.hasNonNull("warning")) {
        session.err().println("credagent: warning: " + TerminalText.escape(answer.path("warning").asText()));
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the sources (never their environment's values).")
  static final class ListSources implements Callable<Integer>, Relayable {
    private final Session session;

    ListSources(Session session) {
      this.session = session;
    }

    @Override
    public Integer call() throws Exception {
      JsonNode sources = session.call(ClientRequest.op(Op.SOURCE_LIST)).path("sources");
      for (Iterator<Map.Entry<String, JsonNode>> it = sources.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> source = it.next();
        session.out().println(TerminalText.escape(source.getKey()) + "  " + TerminalText.escape(source.getValue().asText()));
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes the source for REGISTRY.")
  static final class Remove implements Callable<Integer>, Relayable {
    private final Session session;

    Remove(Session session) {
      this.session = session;
    }

    @Parameters(index = "0", paramLabel = "REGISTRY", completionCandidates = Completion.Sources.class)
    String registry;

    @Override
    public Integer call() throws Exception {
      session.call(ClientRequest.op(Op.SOURCE_REMOVE).with("registry", registry));
      return ExitCode.OK;
    }
  }
}
