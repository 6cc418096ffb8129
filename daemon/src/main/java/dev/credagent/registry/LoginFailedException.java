package dev.credagent.registry;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** The registry (or its token server) refused the login, or answered something we cannot use. */
public final class LoginFailedException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.LOGIN_FAILED;
  }

  public LoginFailedException(String message) {
    super(message, null, false, false);
  }
}
