package dev.credagent.helper;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A helper call that fails with this one-line message on stdout and exit code 1. */
final class HelperException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.BAD_REQUEST;
  }

  HelperException(String message) {
    super(message, null, false, false);
  }
}
