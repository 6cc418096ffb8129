package dev.credagent.cli;

import dev.credagent.failure.ErrorCode;

/**
 * The exit codes scripts can rely on, named for the commands: each is an {@link ErrorCode}'s, the
 * one table that the README and {@code credagent --help} are made from.
 */
final class ExitCode {
  static final int OK = ErrorCode.OK;
  static final int ERROR = ErrorCode.ERROR;
  static final int USAGE = ErrorCode.USAGE;
  static final int LOCKED = ErrorCode.LOCKED.exitCode();
  static final int NOT_FOUND = ErrorCode.NOT_FOUND.exitCode();
  static final int WRONG_PASSPHRASE = ErrorCode.UNAUTHORIZED.exitCode();

  private ExitCode() {}
}
