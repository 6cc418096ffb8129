package dev.credagent.cli;

import dev.credagent.client.AgentErrorException;
import dev.credagent.config.ConfigException;
import dev.credagent.failure.ErrorCode;
import java.io.IOException;

/** How a failed command is told to the person who ran it: one line and an exit code, no trace. */
public final class Failure {
  private Failure() {}

  public static int exitCode(Exception e) {
    if (e instanceof CliException cli) {
      return cli.exitCode();
    }
    if (e instanceof AgentErrorException agent) {
      return ErrorCode.fromWire(agent.code()).exitCode();
    }
    return ExitCode.ERROR;
  }

  public static String message(Exception e) {
    String message = e.getMessage();
    if (e instanceof CliException || e instanceof IOException
        || e instanceof ConfigException) {
      return message != null ? message : e.getClass().getSimpleName();
    }
    return "internal error (" + e.getClass().getSimpleName() + (message != null ? ": " + message : "") + ")";
  }
}
