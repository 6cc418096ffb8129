package dev.credagent.registry.auth;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** Every place for requests to one registry is taken (it is slow, or stalled): try again later. */
public final class RegistryBusyException extends Exception implements AgentFailure {
  public RegistryBusyException(String registry, int places) {
    super(registry + " has " + places + " requests (tokens, logins) unanswered already; try again once it answers"
        + " (a registry that stalls holds only its own places, never the daemon's others)");
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.BUSY;
  }
}
