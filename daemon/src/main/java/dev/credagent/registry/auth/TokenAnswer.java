package dev.credagent.registry.auth;

import dev.credagent.vault.Secret;
import java.time.Duration;
import java.time.Instant;

/**
 * A token server's answer, as the token spec defines it: the access token ({@code token} or
 * {@code access_token}), how long it lives ({@code expires_in}, 60 s when absent and never taken
 * as less), from when the answer came (the local clock, never the server's), and a refresh token when one
 * was asked for. The caller owns both secrets.
 */
public record TokenAnswer(Secret access, Instant expiresAt, Secret refresh) {
  public static final Duration MIN_LIFETIME = Duration.ofSeconds(60);

  public void destroy() {
    access.destroy();
    if (refresh != null) {
      refresh.destroy();
    }
  }
}
