package dev.credagent.service;

import java.time.Instant;

/**
 * The requests refused because the vault was locked, since it last was unlocked: how many, and the
 * last one's program and time. docker hides a helper's "locked" behind "no basic auth
 * credentials"; {@code credagent status} shows this, so that the user whose pull failed sees why.
 */
public final class LockedRefusals {
  /** What {@code status} shows; {@code count} 0 where there were none. */
  public record Seen(int count, String lastProgram, Instant lastAt) {}

  private Seen seen = new Seen(0, null, null);

  synchronized void refused(String program, Instant at) {
    seen = new Seen(seen.count() + 1, program, at);
  }

  synchronized void clear() {
    seen = new Seen(0, null, null);
  }

  public synchronized Seen seen() {
    return seen;
  }
}
