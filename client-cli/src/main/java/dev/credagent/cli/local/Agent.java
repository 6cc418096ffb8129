package dev.credagent.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import java.io.IOException;

/** The one request most commands make: connect (starting the daemon if need be), ask, hang up. */
final class Agent {
  private Agent() {}

  static AgentPaths paths() {
    return AgentPaths.fromEnvironment();
  }

  static JsonNode call(ClientRequest request) throws IOException {
    try (request; AgentClient client = AgentClient.connectOrStart(paths())) {
      return client.call(request);
    }
  }
}
