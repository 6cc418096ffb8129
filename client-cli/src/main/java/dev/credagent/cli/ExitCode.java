package dev.credagent.cli;

/** The exit codes scripts can rely on; also listed in {@code credagent --help}. */
final class ExitCode {
  static final int OK = 0;
  static final int ERROR = 1;
  static final int USAGE = 2;
  static final int LOCKED = 3;
  static final int NOT_FOUND = 4;
  static final int WRONG_PASSPHRASE = 5;

  private ExitCode() {}
}
