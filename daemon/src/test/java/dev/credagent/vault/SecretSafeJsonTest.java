package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.BufferRecycler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretSafeJsonTest {
  private static final String SECRET = "hunter2-the-secret";

  @Test
  void noBufferKeepsWhatTheLastParserOrGeneratorHeld() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = SecretSafeJson.FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeFieldName("secret");
      SecretSafeJson.writeSecret(json, Secret.adopt(SECRET.toCharArray()));
      json.writeEndObject();
    }
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(out.toByteArray())) {
      while (json.nextToken() != null) {
        json.getTextCharacters();
      }
    }

    // What the next parser or generator would be handed: nothing of the secret, since nothing is pooled.
    BufferRecycler next = SecretSafeJson.FACTORY._getRecyclerPool().acquireAndLinkPooled();
    assertNotSame(next, SecretSafeJson.FACTORY._getRecyclerPool().acquireAndLinkPooled());
    for (int ix = 0; ix < 4; ix++) {
      assertTrue(isZero(next.allocByteBuffer(ix)), "byte buffer " + ix);
      assertTrue(new String(next.allocCharBuffer(ix)).chars().allMatch(c -> c == 0), "char buffer " + ix);
    }
  }

  /** The buffers are small (a few hundred bytes); values many times longer go through whole. */
  @Test
  void valuesLongerThanTheBuffersAreWrittenAndReadWhole() throws Exception {
    String value = ("é\"\\\u0001 日本 " + "x".repeat(37)).repeat(2_000); // escapes and multi-byte characters across every boundary
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = SecretSafeJson.FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("plain", value);
      json.writeFieldName("secret");
      SecretSafeJson.writeSecret(json, Secret.adopt(value.toCharArray()));
      json.writeEndObject();
    }
    byte[] line = out.toByteArray();
    assertTrue(line.length > 100_000);
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(line)) {
      assertEquals(JsonToken.START_OBJECT, json.nextToken());
      assertEquals("plain", json.nextFieldName());
      json.nextToken();
      assertEquals(value, json.getText());
      assertEquals("secret", json.nextFieldName());
      json.nextToken();
      assertEquals(value, new String(json.getTextCharacters(), json.getTextOffset(), json.getTextLength()));
      assertEquals(JsonToken.END_OBJECT, json.nextToken());
    }
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(new java.io.ByteArrayInputStream(line))) {
      json.nextToken();
      json.nextFieldName();
      json.nextToken();
      assertEquals(value, json.getText(), "read from a stream, in buffers of a few hundred bytes");
    }
    assertEquals(new String(line, StandardCharsets.UTF_8).indexOf('\n'), -1);
  }

  private static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
