package dev.credagent.cli;

/** A command that cannot go on, with what to tell the user and the exit code to leave with. */
final class CliException extends Exception {
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
