package dev.credagent.service;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/**
 * A request the service refuses for its own values (a server name too long or with control
 * characters, a secret over its limit): answered as {@code bad_request}, with a message that
 * names the limit and never quotes what was sent.
 */
public final class InvalidRequestException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.BAD_REQUEST;
  }

  public InvalidRequestException(String message) {
    super(message, null, false, false);
  }
}
