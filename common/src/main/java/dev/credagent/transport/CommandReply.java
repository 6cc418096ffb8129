package dev.credagent.transport;

import java.nio.charset.StandardCharsets;

/** What a relayed command printed, and the exit code the native program leaves with. */
public record CommandReply(int exitCode, byte[] out, byte[] err) {
  public static CommandReply error(int exitCode, String line) {
    return new CommandReply(exitCode, new byte[0], (line + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
