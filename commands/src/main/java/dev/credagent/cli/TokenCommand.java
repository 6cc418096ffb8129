package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.JsonTrees;
import dev.credagent.protocol.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "token",
    header = "Prints a bearer token that REGISTRY accepts now, for scripts.", mixinStandardHelpOptions = true,
    description = {
      "Prints a bearer token that REGISTRY accepts now, for scripts:",
      "  curl -H \"Authorization: Bearer $(credagent token REGISTRY \\",
      "      --scope repository:NAME:pull)\" ...",
      "Tokens are cached until shortly before they expire; the stored login refreshes them."
    })
final class TokenCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  TokenCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "REGISTRY", completionCandidates = Completion.Servers.class,
      description = "HOST[:PORT], as logged in to; HOST[:PORT]/REPOSITORY for a login stored under a path pattern.")
  String registry;

  @Option(names = "--scope", paramLabel = "SCOPE", description = "repository:NAME:pull[,push]; may be repeated.")
  List<String> scopes = new ArrayList<>();

  @Option(names = "--json", description = "Print {\"token\", \"expires_at\"} (RFC 3339) instead of the bare token.")
  boolean json;

  @Mixin
  InsecureOption insecure = new InsecureOption();

  @Override
  public Integer call() throws Exception {
    ClientRequest request = profile.on(ClientRequest.op(Op.TOKEN)).with("registry", registry).with("scope", String.join(" ", scopes));
    insecure.applyTo(request);
    JsonNode reply = session.call(session.withPromptPlaces(request));
    if (json) {
      session.out().println(JsonTrees.write(JsonNodeFactory.instance.objectNode()
          .put("token", reply.path("token").asText())
          .put("expires_at", reply.path("expires_at").asText())));
    } else {
      session.out().println(reply.path("token").asText());
    }
    return ExitCode.OK;
  }
}
