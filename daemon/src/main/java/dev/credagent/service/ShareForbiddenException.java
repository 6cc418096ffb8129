package dev.credagent.service;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/**
 * A request through a share for what shares never do ({@code Op.Share.NEVER}): store, erase,
 * unlock, lock, status. Clients act on its code ({@code forbidden}); its text names what a share
 * does serve, list included since the gate serves it filtered.
 */
public final class ShareForbiddenException extends RuntimeException implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.FORBIDDEN;
  }

  public ShareForbiddenException(String what) {
    super("this is a credagent share: it serves get, token and list only, never " + what, null, false, false);
  }
}
