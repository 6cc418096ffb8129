package dev.credagent.helper;

import com.fasterxml.jackson.core.JsonFactory;
import dev.credagent.vault.SecretSafeJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.credagent.vault.Credential;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON as Go's json.Encoder writes it, which is what docker-credential-helpers print: compact,
 * {@code <}, {@code >}, {@code &}, U+2028 and U+2029 escaped as {@code \u003c} and so on, and a
 * trailing newline.
 */
final class HelperResponse {
  /**
   * Jackson, told to write a character outside the BMP as its 4 UTF-8 bytes, as Go does; by
   * default a generator with character escapes writes each half of its surrogate pair as
   * {@code \\uD83D}.
   */
  private static final JsonFactory JSON = SecretSafeJson.builder()
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
  private static final CharacterEscapes GO_ESCAPES = new GoEscapes();

  private HelperResponse() {}

  private static final byte[] SERVER_URL = "{\"ServerURL\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USERNAME = ",\"Username\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SECRET = ",\"Secret\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "}\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * {@code {"ServerURL":…,"Username":…,"Secret":…}}; the caller wipes the bytes. Written by hand
   * ({@link GoJsonStrings}) into one array of the answer's size, the copy of the secret's
   * characters wiped; through Jackson where any of the three holds a surrogate.
   */
  static byte[] credential(String serverUrl, Credential credential) {
    char[] secret = credential.secret().toChars();
    try {
      char[] server = serverUrl.toCharArray();
      char[] username = credential.username().toCharArray();
      if (!GoJsonStrings.plain(server) || !GoJsonStrings.plain(username) || !GoJsonStrings.plain(secret)) {
        return credentialByJackson(serverUrl, credential);
      }
      byte[] out = new byte[SERVER_URL.length + GoJsonStrings.length(server) + USERNAME.length
          + GoJsonStrings.length(username) + SECRET.length + GoJsonStrings.length(secret) + END.length];
      int at = GoJsonStrings.raw(SERVER_URL, out, 0);
      at = GoJsonStrings.write(server, out, at);
      at = GoJsonStrings.raw(USERNAME, out, at);
      at = GoJsonStrings.write(username, out, at);
      at = GoJsonStrings.raw(SECRET, out, at);
      at = GoJsonStrings.write(secret, out, at);
      GoJsonStrings.raw(END, out, at);
      return out;
    } finally {
      java.util.Arrays.fill(secret, '\0');
    }
  }

  /** The same through a Jackson generator: text with a surrogate, and the oracle of HelperResponseTest. */
  static byte[] credentialByJackson(String serverUrl, Credential credential) {
    return write(json -> {
      json.writeStartObject();
      json.writeStringField("ServerURL", serverUrl);
      json.writeStringField("Username", credential.username());
      json.writeFieldName("Secret");
      SecretSafeJson.writeSecret(json, credential.secret());
      json.writeEndObject();
    });
  }

  /** {@code {SERVER: USERNAME, …}}. */
  static byte[] list(Map<String, String> usernames) {
    return write(json -> {
      json.writeStartObject();
      for (Map.Entry<String, String> entry : usernames.entrySet()) {
        json.writeStringField(entry.getKey(), entry.getValue());
      }
      json.writeEndObject();
    });
  }

  private interface Body {
    void write(JsonGenerator json) throws IOException;
  }

  private static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.setCharacterEscapes(GO_ESCAPES);
      body.write(json);
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory cannot fail", e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static final class GoEscapes extends CharacterEscapes {
    private final int[] table;

    GoEscapes() {
      table = standardAsciiEscapesForJSON();
      // Jackson escapes the other control characters with upper-case hex digits; Go with lower.
      for (int c = 0; c < 0x20; c++) {
        if (table[c] == ESCAPE_STANDARD) {
          table[c] = ESCAPE_CUSTOM;
        }
      }
      table['<'] = ESCAPE_CUSTOM;
      table['>'] = ESCAPE_CUSTOM;
      table['&'] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return table;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case '<', '>', '&', 0x2028, 0x2029 -> new SerializedString(String.format("\\u%04x", ch));
        default -> ch < 0x20 ? new SerializedString(String.format("\\u%04x", ch)) : null;
      };
    }
  }
}
