package dev.credagent.client;

import java.io.IOException;
import java.nio.file.Path;

/** Nothing answers on the socket: no daemon runs there (or it just died). */
public final class AgentUnavailableException extends IOException {
  public AgentUnavailableException(Path socket, String why) {
    super("no credagent daemon answers on " + socket + " (" + why + ")");
  }
}
