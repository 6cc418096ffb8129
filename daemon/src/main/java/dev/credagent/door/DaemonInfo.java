package dev.credagent.door;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** What {@code status} reports about the running daemon itself. */
public record DaemonInfo(Path socket, Path home, long pid, Instant started) {
  public Duration uptime(Clock clock) {
    return Duration.between(started, clock.instant());
  }
}
