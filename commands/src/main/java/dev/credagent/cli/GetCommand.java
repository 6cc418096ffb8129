package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.credagent.client.ClientRequest;
import dev.credagent.client.JsonTrees;
import dev.credagent.protocol.Op;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get",
    header = "Prints the credentials for SERVER as JSON.", mixinStandardHelpOptions = true,
    description = {"Prints the credentials for SERVER as JSON: {\"server\":...,\"username\":...,\"secret\":...}:",
        "those stored for exactly SERVER, else its source's, else the most specific pattern's."})
final class GetCommand implements Callable<Integer>, Relayable {
  private final Session session;

  @picocli.CommandLine.Mixin
  ProfileOption profile = new ProfileOption();

  GetCommand(Session session) {
    this.session = session;
  }

  @Parameters(index = "0", paramLabel = "SERVER", completionCandidates = Completion.Servers.class,
      description = "HOST[:PORT], or HOST[:PORT]/REPOSITORY for what a path pattern serves.")
  String server;

  @Override
  public Integer call() throws Exception {
    JsonNode reply = session.call(session.withPromptPlaces(profile.on(ClientRequest.op(Op.GET).with("server", server))));
    session.out().println(JsonTrees.write(JsonNodeFactory.instance.objectNode()
        .put("server", reply.path("server").asText())
        .put("username", reply.path("username").asText())
        .put("secret", reply.path("secret").asText())));
    return ExitCode.OK;
  }
}
