package dev.credagent.service;

/**
 * A request the service refuses for its own values (a server name too long or with control
 * characters, a secret over its limit): answered as {@code bad_request}, with a message that
 * names the limit and never quotes what was sent.
 */
public final class InvalidRequestException extends Exception {
  public InvalidRequestException(String message) {
    super(message, null, false, false);
  }
}
