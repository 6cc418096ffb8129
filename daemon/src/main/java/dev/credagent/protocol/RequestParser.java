package dev.credagent.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.credagent.failure.ErrorCode;
import dev.credagent.vault.Secret;
import dev.credagent.vault.SecretSafeJson;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns one request line into a {@link Request}. Version 1 requests are flat objects of strings
 * (and the integer {@code v}); anything else is a {@code bad_request} with a message saying what.
 */
public final class RequestParser {
  private static final JsonFactory JSON = SecretSafeJson.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /**
   * Field names an error may quote: a name that is none of these is not echoed, since a client
   * that mixed up a name and a value would see its secret in the error.
   */
  private static final Set<String> NAMED_FIELDS = Set.of("op", "server", "username", "secret", "passphrase");

  private RequestParser() {}

  public static Request parse(byte[] line) throws ProtocolException {
    Map<String, Secret> secrets = new HashMap<>();
    try {
      return parse(line, secrets);
    } catch (ProtocolException | RuntimeException e) {
      secrets.values().forEach(Secret::destroy);
      throw e;
    }
  }

  private static Request parse(byte[] line, Map<String, Secret> secrets) throws ProtocolException {
    int malformed = Utf8.firstMalformed(line);
    if (malformed >= 0) {
      throw bad("the request is not valid UTF-8 (at byte " + malformed + ")");
    }
    Map<String, String> fields = new HashMap<>();
    Integer version = null;
    try (JsonParser json = JSON.createParser(line)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw bad("a request is one JSON object per line");
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if ("v".equals(field)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            throw bad("\"v\" must be an integer (the protocol version, 1)");
          }
          version = json.getIntValue();
        } else if (value != JsonToken.VALUE_STRING) {
          throw bad(NAMED_FIELDS.contains(field) ? "field '" + field + "' must be a string" : "every field must be a string");
        } else if (Op.SECRET_FIELDS.contains(field)) {
          secrets.put(field, Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength()));
        } else {
          fields.put(field, json.getText());
        }
      }
      if (json.nextToken() != null) {
        throw bad("a request line holds exactly one JSON object");
      }
    } catch (StreamReadException e) {
      throw bad("not valid JSON: " + JsonErrors.describe(e));
    } catch (IOException e) {
      throw bad("not valid JSON");
    }
    if (version == null) {
      throw bad("every request needs \"v\": " + Request.VERSION);
    }
    if (version != Request.VERSION) {
      throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
          "this daemon speaks protocol version " + Request.VERSION + ", not " + version);
    }
    String op = fields.remove("op");
    if (op == null) {
      throw bad("every request needs an \"op\"");
    }
    return new Request(version, op, fields, secrets);
  }

  private static ProtocolException bad(String message) {
    return new ProtocolException(ErrorCode.BAD_REQUEST, message);
  }
}
