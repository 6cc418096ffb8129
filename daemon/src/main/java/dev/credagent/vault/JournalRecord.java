package dev.credagent.vault;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The plaintext of one journal record: the changes of one write, in order, as
 * {@code [{"put":SERVER,"username":U,"secret":S}, {"remove":SERVER}, {"source":REGISTRY,
 * "definition":D}, {"unsource":REGISTRY}]}. Streamed as {@link VaultBody} is, so a secret never
 * becomes a String.
 */
final class JournalRecord {
  private JournalRecord() {}

  /** The caller wipes the bytes. */
  static byte[] encode(List<? extends Vault.Change> changes) {
    WipeableBuffer out = new WipeableBuffer(256 * changes.size());
    try (JsonGenerator json = SecretSafeJson.FACTORY.createGenerator(out)) {
      json.writeStartArray();
      for (Vault.Change change : changes) {
        json.writeStartObject();
        switch (change) {
          case Vault.Put put -> {
            json.writeStringField("put", put.server());
            json.writeStringField("username", put.credential().username());
            json.writeFieldName("secret");
            SecretSafeJson.writeSecret(json, put.credential().secret());
          }
          case Vault.Remove remove -> json.writeStringField("remove", remove.server());
          case Vault.RemoveSource source -> json.writeStringField("unsource", source.server());
          case Vault.PutSource source -> {
            json.writeStringField("source", source.server());
            json.writeStringField("definition", source.definition());
          }
        }
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory cannot fail", e);
    }
    return out.toByteArrayAndWipe();
  }

  /** Applies the record to {@code contents}, wiping the secrets it replaces or removes. */
  static void apply(byte[] plaintext, VaultBody.Contents contents) throws CorruptVaultException {
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(plaintext)) {
      expect(json.nextToken() == JsonToken.START_ARRAY);
      while (json.nextToken() == JsonToken.START_OBJECT) {
        apply(json, contents);
      }
      expect(json.currentToken() == JsonToken.END_ARRAY);
    } catch (IOException e) {
      throw new CorruptVaultException("a decrypted journal record is not valid JSON");
    }
  }

  private static void apply(JsonParser json, VaultBody.Contents contents) throws IOException, CorruptVaultException {
    String kind = null;
    String key = null;
    String username = null;
    String definition = null;
    Secret secret = null;
    try {
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        expect(json.nextToken() == JsonToken.VALUE_STRING);
        switch (field) {
          case "put", "remove", "source", "unsource" -> {
            expect(kind == null);
            kind = field;
            key = json.getText();
          }
          case "username" -> username = json.getText();
          case "definition" -> definition = json.getText();
          case "secret" -> secret = Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
          default -> throw new CorruptVaultException("a journal record has an unknown field");
        }
      }
      expect(kind != null);
      switch (kind) {
        case "put" -> {
          expect(username != null && secret != null);
          replaced(contents.credentials(), key, new Credential(username, secret));
          secret = null; // the vault owns it now
        }
        case "remove" -> replaced(contents.credentials(), key, null);
        case "source" -> {
          expect(definition != null);
          contents.sources().put(key, definition);
        }
        default -> contents.sources().remove(key);
      }
    } finally {
      if (secret != null) {
        secret.destroy();
      }
    }
  }

  private static void replaced(Map<String, Credential> credentials, String server, Credential next) {
    Credential gone = next == null ? credentials.remove(server) : credentials.put(server, next);
    if (gone != null) {
      gone.secret().destroy();
    }
  }

  private static void expect(boolean condition) throws CorruptVaultException {
    if (!condition) {
      throw new CorruptVaultException("a decrypted journal record does not have the expected shape");
    }
  }
}
