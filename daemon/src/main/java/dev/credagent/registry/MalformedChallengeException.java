package dev.credagent.registry;

/** A {@code WWW-Authenticate} header that does not follow RFC 7235; the message says where. */
public final class MalformedChallengeException extends Exception {
  MalformedChallengeException(String message) {
    super(message, null, false, false);
  }
}
