package dev.credagent.cli;

/** A command that cannot go on, with what to tell the user and the exit code to leave with. */
public final class CliException extends Exception {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
