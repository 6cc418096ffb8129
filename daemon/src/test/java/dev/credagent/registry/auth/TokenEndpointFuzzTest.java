package dev.credagent.registry.auth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.credagent.registry.LoginFailedException;
import java.time.Instant;

/** A token server's answer comes from the network: a token whose lifetime is in range, or a clear error. */
class TokenEndpointFuzzTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  @FuzzTest(maxDuration = "10s")
  void anAnswerIsATokenOrRefused(byte[] body) {
    if (body == null) {
      return;
    }
    try {
      TokenAnswer answer = TokenEndpoint.parse("r.example", body, NOW);
      assertTrue(!answer.expiresAt().isBefore(NOW.plus(TokenAnswer.MIN_LIFETIME)));
      assertTrue(!answer.expiresAt().isAfter(NOW.plus(TokenEndpoint.MAX_LIFETIME)));
      answer.destroy();
    } catch (LoginFailedException e) {
      assertTrue(e.getMessage().startsWith("the token server of r.example "), e.getMessage());
    }
  }
}
