package dev.credagent.service;

import java.time.Instant;

/** An erased credential kept for {@code credagent restore}, as {@code list --erased} shows it: never its secret. */
public record ErasedCredential(String server, String username, Instant at, String by, String profile) {
  /** The server as it was stored, in the default profile. */
  public ErasedCredential(String server, String username, Instant at, String by) {
    this(server, username, at, by, ProfileKeys.DEFAULT);
  }
}
