package dev.credagent.cli;

import dev.credagent.client.AgentErrorException;

/** How a failed command is told to the person who ran it: one line and an exit code, no trace. */
final class Failure {
  private Failure() {}

  static int exitCode(Exception e) {
    if (e instanceof CliException cli) {
      return cli.exitCode();
    }
    if (e instanceof AgentErrorException agent) {
      return switch (agent.code()) {
        case "locked" -> ExitCode.LOCKED;
        case "not_found" -> ExitCode.NOT_FOUND;
        case "unauthorized" -> ExitCode.WRONG_PASSPHRASE;
        default -> ExitCode.ERROR;
      };
    }
    return ExitCode.ERROR;
  }

  static String message(Exception e) {
    String message = e.getMessage();
    if (e instanceof CliException || e instanceof java.io.IOException) {
      return message != null ? message : e.getClass().getSimpleName();
    }
    return "internal error (" + e.getClass().getSimpleName() + (message != null ? ": " + message : "") + ")";
  }
}
