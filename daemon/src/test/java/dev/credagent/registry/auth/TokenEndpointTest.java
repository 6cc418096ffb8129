package dev.credagent.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.registry.Challenge;
import dev.credagent.registry.ChallengeParser;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryLogin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a token server may answer, however wrong, becomes a token with a sane lifetime or a clear error. */
class TokenEndpointTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private static TokenAnswer parse(String body) throws LoginFailedException {
    return TokenEndpoint.parse("r.example", body.getBytes(StandardCharsets.UTF_8), NOW);
  }

  @Test
  void aHugeLifetimeIsClampedNotAnInternalError() throws Exception {
    assertEquals(NOW.plus(TokenEndpoint.MAX_LIFETIME), parse("{\"token\":\"t\",\"expires_in\":9223372036854775807}").expiresAt());
    assertEquals(NOW.plus(TokenEndpoint.MAX_LIFETIME), parse("{\"token\":\"t\",\"expires_in\":92233720368547758070}").expiresAt());
    assertEquals(NOW.plus(TokenAnswer.MIN_LIFETIME), parse("{\"token\":\"t\",\"expires_in\":-5}").expiresAt());
  }

  @Test
  void aTokenLongerThanAStoredSecretMayBeIsRefusedNotKept() throws Exception {
    // A hostile token server's 1 MiB tokens: a thousand cached access tokens (by count) outgrew the
    // daemon's heap, and its refresh tokens, stored, filled the vault.
    String huge = "x".repeat(TokenEndpoint.MAX_TOKEN_CHARS + 1);
    for (String body : List.of("{\"token\":\"" + huge + "\"}", "{\"access_token\":\"" + huge + "\"}",
        "{\"token\":\"t\",\"refresh_token\":\"" + huge + "\"}")) {
      LoginFailedException e = assertThrows(LoginFailedException.class, () -> parse(body));
      assertTrue(e.getMessage().contains("longer than"), e.getMessage());
      assertFalse(e.getMessage().contains("xxxx"), "never echoes the token");
    }
    assertEquals(TokenEndpoint.MAX_TOKEN_CHARS, parse("{\"token\":\"" + "y".repeat(TokenEndpoint.MAX_TOKEN_CHARS) + "\"}").access().length());
  }

  @Test
  void anIssuedAtFromAServerWhoseClockIsOffIsNotUsed() throws Exception {
    TokenAnswer answer = parse("{\"token\":\"t\",\"expires_in\":300,\"issued_at\":\"1970-01-01T00:00:00Z\"}");
    assertEquals(NOW.plus(Duration.ofSeconds(300)), answer.expiresAt());
  }

  @Test
  void aRealmThatIsRelativeAFileOrADowngradeIsRefused() throws Exception {
    RegistryAddress secure = RegistryAddress.of("registry.example.com", false);
    RegistryAddress plain = RegistryAddress.of("127.0.0.1:5000", false);
    for (String realm : List.of("/token", "file:///etc/passwd", "http://auth.example.com/token", "ftp://x/y")) {
      LoginFailedException e = assertThrows(LoginFailedException.class,
          () -> RegistryLogin.realm(secure, challenge(realm)), realm);
      assertTrue(e.getMessage().contains("will not send credentials"), e.getMessage());
    }
    assertEquals("https://auth.example.com/token", RegistryLogin.realm(secure, challenge("https://auth.example.com/token")).toString());
    assertEquals("http://127.0.0.1:5001/token", RegistryLogin.realm(plain, challenge("http://127.0.0.1:5001/token")).toString());
  }

  private static Challenge challenge(String realm) throws Exception {
    return ChallengeParser.parse(List.of("Bearer realm=\"" + realm + "\",service=\"s\"")).getFirst();
  }
}
