package dev.credagent.service;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A request through a share for what shares never do: store, erase, unlock, lock, list, status. */
public final class ShareForbiddenException extends RuntimeException implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.FORBIDDEN;
  }

  public ShareForbiddenException(String what) {
    super("this is a credagent share: it serves get and token only, never " + what, null, false, false);
  }
}
