package dev.credagent.vault;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The plaintext inside the seal: {@code {"credentials":{SERVER:{"username":U,"secret":S}},
 * "sources":{REGISTRY:DEFINITION}}}, a source's definition being an opaque string here (the
 * {@code source} package owns its form).
 *
 * <p>Streamed with Jackson's parser and generator so that secrets go from bytes to {@link Secret}
 * characters without passing through a String we could not wipe.
 */
final class VaultBody {
  private static final JsonFactory JSON = SecretSafeJson.FACTORY;

  private VaultBody() {}

  /** What a vault holds. */
  record Contents(SortedMap<String, Credential> credentials, Map<String, String> sources) {}

  /** The caller wipes the returned bytes once sealed. */
  static byte[] encode(Map<String, Credential> credentials, Map<String, String> sources) {
    WipeableBuffer out = new WipeableBuffer(4096 + credentials.size() * 256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeObjectFieldStart("credentials");
      for (Map.Entry<String, Credential> entry : new TreeMap<>(credentials).entrySet()) {
        json.writeObjectFieldStart(entry.getKey());
        json.writeStringField("username", entry.getValue().username());
        json.writeFieldName("secret");
        SecretSafeJson.writeSecret(json, entry.getValue().secret());
        json.writeEndObject();
      }
      json.writeEndObject();
      if (!sources.isEmpty()) {
        json.writeObjectFieldStart("sources");
        for (Map.Entry<String, String> source : new TreeMap<>(sources).entrySet()) {
          json.writeStringField(source.getKey(), source.getValue());
        }
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory cannot fail", e);
    }
    return out.toByteArrayAndWipe();
  }

  static Contents decode(byte[] plaintext) throws CorruptVaultException {
    SortedMap<String, Credential> credentials = new TreeMap<>();
    Map<String, String> sources = new TreeMap<>();
    try (JsonParser json = JSON.createParser(plaintext)) {
      expect(json.nextToken() == JsonToken.START_OBJECT);
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        if ("credentials".equals(json.currentName())) {
          expect(json.nextToken() == JsonToken.START_OBJECT);
          while (json.nextToken() == JsonToken.FIELD_NAME) {
            String server = json.currentName();
            credentials.put(server, credential(json));
          }
        } else if ("sources".equals(json.currentName())) {
          expect(json.nextToken() == JsonToken.START_OBJECT);
          while (json.nextToken() == JsonToken.FIELD_NAME) {
            String registry = json.currentName();
            expect(json.nextToken() == JsonToken.VALUE_STRING);
            sources.put(registry, json.getText());
          }
        } else {
          json.nextToken();
          json.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new CorruptVaultException("its decrypted body is not valid JSON");
    }
    return new Contents(credentials, sources);
  }

  private static Credential credential(JsonParser json) throws IOException, CorruptVaultException {
    expect(json.nextToken() == JsonToken.START_OBJECT);
    String username = null;
    Secret secret = null;
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      String field = json.currentName();
      JsonToken value = json.nextToken();
      if ("username".equals(field) && value == JsonToken.VALUE_STRING) {
        username = json.getText();
      } else if ("secret".equals(field) && value == JsonToken.VALUE_STRING) {
        secret = Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
      } else {
        json.skipChildren();
      }
    }
    expect(username != null && secret != null);
    return new Credential(username, secret);
  }

  private static void expect(boolean condition) throws CorruptVaultException {
    if (!condition) {
      throw new CorruptVaultException("its decrypted body does not have the expected shape");
    }
  }
}
