package dev.credagent.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.credagent.protocol.Op;
import dev.credagent.protocol.Request;
import dev.credagent.vault.SecretSafeJson;
import dev.credagent.vault.WipeableBuffer;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request line under construction, from the daemon's own op table and version: a field the op
 * does not take, or a secret passed as a plain string, is a programming error caught here.
 * Secrets go in as characters and are wiped once written.
 */
public final class ClientRequest implements AutoCloseable {
  private static final JsonFactory JSON = SecretSafeJson.FACTORY;

  private final Op op;
  private final Map<String, String> fields = new LinkedHashMap<>();
  private final Map<String, char[]> secrets = new LinkedHashMap<>();

  private ClientRequest(Op op) {
    this.op = op;
  }

  public static ClientRequest op(Op op) {
    return new ClientRequest(op);
  }

  public ClientRequest with(String field, String value) {
    if (!op.fields().contains(field)) {
      throw new IllegalArgumentException("op '" + op.wire() + "' takes no plain field '" + field + "'");
    }
    fields.put(field, value);
    return this;
  }

  /**
   * Says where the request comes from, for the daemon's choice of profile ({@link Op#PLACE}), on an
   * op a profile scopes: {@code cwd} (absolute), and {@code profile} (CREDAGENT_PROFILE) unless the
   * request names one already ({@code --profile} wins). Null or empty values are not sent.
   */
  public ClientRequest at(String cwd, String profile) {
    if (!op.profiled()) {
      return this;
    }
    if (cwd != null && !cwd.isEmpty()) {
      fields.putIfAbsent("cwd", cwd);
    }
    if (profile != null && !profile.isEmpty()) {
      fields.putIfAbsent("profile", profile);
    }
    return this;
  }

  /** Takes ownership of {@code value}: it is wiped when this request is closed. */
  public ClientRequest withSecret(String field, char[] value) {
    if (!op.secretFields().contains(field)) {
      Arrays.fill(value, '\0');
      throw new IllegalArgumentException("op '" + op.wire() + "' takes no secret field '" + field + "'");
    }
    secrets.put(field, value);
    return this;
  }

  /**
   * The request line, with its newline; the caller wipes it once sent. Nothing else keeps a copy
   * of its secrets: the generator pools no buffers, and the line is built in a buffer that wipes
   * what it outgrows.
   */
  public byte[] toLine() throws IOException {
    WipeableBuffer out = new WipeableBuffer(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeNumberField("v", Request.VERSION);
      json.writeStringField("op", op.wire());
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
    return out.toByteArrayAndWipe();
  }

  @Override
  public void close() {
    secrets.values().forEach(chars -> Arrays.fill(chars, '\0'));
  }
}
