package dev.credagent.client;

import java.io.IOException;

/** The daemon answered with an error; {@link #code()} is the protocol's stable error code. */
public final class AgentErrorException extends IOException {
  private final String code;

  public AgentErrorException(String code, String message) {
    super(message);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
