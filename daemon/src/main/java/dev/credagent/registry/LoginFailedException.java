package dev.credagent.registry;

/** The registry (or its token server) refused the login, or answered something we cannot use. */
public final class LoginFailedException extends Exception {
  public LoginFailedException(String message) {
    super(message, null, false, false);
  }
}
