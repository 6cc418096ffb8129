package dev.credagent.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request line under construction; secrets go in as characters and are wiped once written. */
public final class ClientRequest implements AutoCloseable {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int VERSION = 1;

  private final String op;
  private final Map<String, String> fields = new LinkedHashMap<>();
  private final Map<String, char[]> secrets = new LinkedHashMap<>();

  private ClientRequest(String op) {
    this.op = op;
  }

  public static ClientRequest op(String op) {
    return new ClientRequest(op);
  }

  public ClientRequest with(String field, String value) {
    fields.put(field, value);
    return this;
  }

  /** Takes ownership of {@code value}: it is wiped when this request is closed. */
  public ClientRequest withSecret(String field, char[] value) {
    secrets.put(field, value);
    return this;
  }

  byte[] toLine() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeNumberField("v", VERSION);
      json.writeStringField("op", op);
      for (Map.Entry<String, String> field : fields.entrySet()) {
        json.writeStringField(field.getKey(), field.getValue());
      }
      for (Map.Entry<String, char[]> secret : secrets.entrySet()) {
        json.writeFieldName(secret.getKey());
        json.writeString(secret.getValue(), 0, secret.getValue().length);
      }
      json.writeEndObject();
    }
    out.write('\n');
    return out.toByteArray();
  }

  @Override
  public void close() {
    secrets.values().forEach(chars -> Arrays.fill(chars, '\0'));
  }
}
