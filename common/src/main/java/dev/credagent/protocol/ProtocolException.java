package dev.credagent.protocol;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A request the daemon answers with an error instead of doing it. */
public final class ProtocolException extends Exception implements AgentFailure {
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  @Override
  public ErrorCode code() {
    return code;
  }
}
