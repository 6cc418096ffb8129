package dev.credagent.source;

/** A source's run failed (exit code, timeout, output); the message names it and says how. */
public final class SourceFailedException extends Exception {
  public SourceFailedException(String message) {
    super(message, null, false, false);
  }
}
