package dev.credagent.transport;

import java.nio.charset.StandardCharsets;

/**
 * What a relayed command printed, and the exit code the native program leaves with; {@code
 * undelivered}: what to do where the reply cannot be written because its client went away (the
 * undelivered actions of the daemon's answers the command printed, such as a new recovery key's).
 */
public record CommandReply(int exitCode, byte[] out, byte[] err, Runnable undelivered) {
  public CommandReply(int exitCode, byte[] out, byte[] err) {
    this(exitCode, out, err, () -> {});
  }

  public static CommandReply error(int exitCode, String line) {
    return new CommandReply(exitCode, new byte[0], (line + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
