package dev.credagent.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * The daemon's answer line as a command takes it, whether it came over the socket (AgentClient)
 * or from the daemon's handler in-process (a relayed command): the object, or its error as an
 * {@link AgentErrorException}.
 */
public final class AgentReply {
  private AgentReply() {}

  public static JsonNode read(String answer) throws IOException {
    JsonNode reply = JsonTrees.read(answer);
    if (!reply.path("ok").asBoolean(false)) {
      JsonNode error = reply.path("error");
      throw new AgentErrorException(error.path("code").asText("internal"), error.path("message").asText("no message"));
    }
    return reply;
  }
}
