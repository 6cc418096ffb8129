package dev.credagent.helper;

import com.fasterxml.jackson.core.JsonFactory;
import dev.credagent.vault.SecretSafeJson;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.credagent.protocol.JsonErrors;
import dev.credagent.protocol.Utf8;
import dev.credagent.vault.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What a credential-helper client sends: for {@code store} a JSON object
 * {@code {"ServerURL","Username","Secret"}}, for the other actions a bare server URL.
 *
 * <p>Read the way Go's encoding/json reads into docker-credential-helpers' struct: field names
 * match without regard to case, unknown fields are ignored, null is the empty string.
 */
record HelperRequest(String serverUrl, String username, Secret secret) {
  private static final JsonFactory JSON = SecretSafeJson.FACTORY;

  static HelperRequest parseStore(byte[] input) throws HelperException {
    requireUtf8(input, "the credentials are");
    String serverUrl = "";
    String username = "";
    Secret secret = null;
    try (JsonParser json = JSON.createParser(input)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new HelperException("invalid JSON: expected an object {\"ServerURL\",\"Username\",\"Secret\"}");
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        boolean known = field.equalsIgnoreCase("ServerURL") || field.equalsIgnoreCase("Username")
            || field.equalsIgnoreCase("Secret");
        if (!known) {
          json.skipChildren();
          continue;
        }
        if (value != JsonToken.VALUE_STRING) {
          throw new HelperException("invalid JSON: field " + field + " must be a string");
        }
        if (field.equalsIgnoreCase("ServerURL")) {
          serverUrl = json.getText();
        } else if (field.equalsIgnoreCase("Username")) {
          username = json.getText();
        } else {
          if (secret != null) {
            secret.destroy();
          }
          secret = Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
        }
      }
    } catch (StreamReadException e) {
      destroy(secret);
      throw new HelperException("invalid JSON: " + JsonErrors.describe(e));
    } catch (IOException e) {
      destroy(secret);
      throw new HelperException("invalid JSON");
    } catch (HelperException e) {
      destroy(secret);
      throw e;
    }
    return new HelperRequest(serverUrl, username, secret != null ? secret : Secret.adopt(new char[0]));
  }

  /** The server URL of get and erase: stdin with surrounding white space trimmed. */
  static String parseServerUrl(byte[] input) throws HelperException {
    requireUtf8(input, "the server URL is");
    return new String(input, StandardCharsets.UTF_8).strip();
  }

  private static void requireUtf8(byte[] input, String what) throws HelperException {
    int malformed = Utf8.firstMalformed(input);
    if (malformed >= 0) {
      throw new HelperException(what + " not valid UTF-8 (at byte " + malformed + ")");
    }
  }

  private static void destroy(Secret secret) {
    if (secret != null) {
      secret.destroy();
    }
  }
}
