package dev.credagent.cli;

import dev.credagent.failure.ErrorCode;

/**
 * The exit codes scripts can rely on, named for the commands: each is an {@link ErrorCode}'s, the
 * one table that the README and {@code credagent --help} are made from.
 */
public final class ExitCode {
  public static final int OK = ErrorCode.OK;
  public static final int ERROR = ErrorCode.ERROR;
  public static final int USAGE = ErrorCode.USAGE;
  public static final int LOCKED = ErrorCode.LOCKED.exitCode();
  public static final int NOT_FOUND = ErrorCode.NOT_FOUND.exitCode();
  public static final int WRONG_PASSPHRASE = ErrorCode.UNAUTHORIZED.exitCode();

  private ExitCode() {}
}
