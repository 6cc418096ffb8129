package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.failure.ErrorCode;
import dev.credagent.vault.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseTest {
  private static String line(Response response) {
    return new String(response.toLine(), StandardCharsets.UTF_8);
  }

  @Test
  void okAnswersCarryTheirFieldsOnOneLine() {
    String line = line(Response.ok().with("locked", false).with("pid", 42L).with("credentials", Map.of("r", "u")));
    assertEquals("{\"v\":1,\"ok\":true,\"locked\":false,\"pid\":42,\"credentials\":{\"r\":\"u\"}}\n", line);
  }

  @Test
  void errorsCarryAStableCodeAndAMessage() {
    assertEquals("{\"v\":1,\"ok\":false,\"error\":{\"code\":\"not_found\",\"message\":\"no \\\"x\\\"\"}}\n",
        line(Response.error(ErrorCode.NOT_FOUND, "no \"x\"")));
  }

  @Test
  void aSecretIsWrittenEscapedAndWipedOnClose() {
    Secret secret = Secret.adopt("line1\nline2\"\\".toCharArray());
    Response response = Response.ok().with("secret", secret);
    assertTrue(response.carriesSecret());
    assertEquals("{\"v\":1,\"ok\":true,\"secret\":\"line1\\nline2\\\"\\\\\"}\n", line(response));
    response.close();
    assertTrue(secret.isDestroyed());
  }
}
