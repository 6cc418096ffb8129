package dev.credagent.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** What {@code status} reports about the running daemon itself. */
public record DaemonInfo(Path socket, Path home, long pid, Instant started) {
  public Duration uptime() {
    return Duration.between(started, Instant.now());
  }
}
