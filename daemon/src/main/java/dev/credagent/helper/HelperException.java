package dev.credagent.helper;

/** A helper call that fails with this one-line message on stdout and exit code 1. */
final class HelperException extends Exception {
  HelperException(String message) {
    super(message, null, false, false);
  }
}
