package dev.credagent.service;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/**
 * A request through a share for what shares never do ({@code Op.Share.NEVER}): store, erase,
 * unlock, lock, status. Its text is what clients have matched since shares served get and token
 * only, so it stays as it was now that list is served too (filtered).
 */
public final class ShareForbiddenException extends RuntimeException implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.FORBIDDEN;
  }

  public ShareForbiddenException(String what) {
    super("this is a credagent share: it serves get and token only, never " + what, null, false, false);
  }
}
