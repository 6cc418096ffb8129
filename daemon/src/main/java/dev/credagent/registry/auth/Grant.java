package dev.credagent.registry.auth;

import dev.credagent.vault.Secret;

/** What a token is asked for with: a username and password, or a refresh (identity) token. */
public sealed interface Grant {
  /** The secrets stay the caller's. */
  record Password(String username, Secret password) implements Grant {}

  record Refresh(Secret refreshToken) implements Grant {}
}
