package dev.credagent.service;

/** A request through a share for what shares never do: store, erase, unlock, lock, list, status. */
public final class ShareForbiddenException extends RuntimeException {
  public ShareForbiddenException(String what) {
    super("this is a credagent share: it serves get and token only, never " + what, null, false, false);
  }
}
