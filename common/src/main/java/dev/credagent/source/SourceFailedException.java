package dev.credagent.source;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A source's run failed (exit code, timeout, output); the message names it and says how. */
public final class SourceFailedException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.SOURCE_FAILED;
  }

  public SourceFailedException(String message) {
    super(message, null, false, false);
  }
}
