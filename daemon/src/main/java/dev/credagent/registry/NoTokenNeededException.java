package dev.credagent.registry;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A token was asked of a registry that uses Basic authentication, or none: it needs no token. */
public final class NoTokenNeededException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.NO_TOKEN;
  }

  public NoTokenNeededException(String message) {
    super(message, null, false, false);
  }
}
