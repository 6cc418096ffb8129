package dev.credagent.transport;

import java.nio.charset.StandardCharsets;

/** What the relay writes to its stdout, and the exit code it leaves with. */
public record RelayReply(int exitCode, byte[] output) {
  /** Output as docker-credential-helpers print it: one line. */
  public static RelayReply line(int exitCode, String line) {
    return new RelayReply(exitCode, (line + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
