package dev.credagent.registry;

/** A token was asked of a registry that uses Basic authentication, or none: it needs no token. */
public final class NoTokenNeededException extends Exception {
  public NoTokenNeededException(String message) {
    super(message, null, false, false);
  }
}
