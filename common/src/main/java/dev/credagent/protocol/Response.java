package dev.credagent.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.credagent.failure.ErrorCode;
import dev.credagent.vault.Secret;
import dev.credagent.vault.SecretSafeJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One answer line: {@code {"v":1,"ok":true,...}} or
 * {@code {"v":1,"ok":false,"error":{"code":"locked","message":"..."}}}.
 *
 * <p>Field values are strings, numbers, booleans, string maps or {@link Secret}s; a response that
 * carries a secret owns it and wipes it on {@link #close()}.
 */
public final class Response implements AutoCloseable {
  private static final JsonFactory JSON = SecretSafeJson.FACTORY;

  private final ErrorCode error;
  private final String message;
  private final Map<String, Object> fields = new LinkedHashMap<>();
  private Runnable afterSent = () -> {};
  private Runnable undelivered = () -> {};

  private Response(ErrorCode error, String message) {
    this.error = error;
    this.message = message;
  }

  public static Response ok() {
    return new Response(null, null);
  }

  public static Response error(ErrorCode code, String message) {
    return new Response(code, message);
  }

  public static Response error(ProtocolException e) {
    return error(e.code(), e.getMessage());
  }

  public Response with(String field, Object value) {
    fields.put(field, value);
    return this;
  }

  /** Something to do once the answer has left, such as stopping the daemon that sent it. */
  public Response afterSent(Runnable action) {
    this.afterSent = action;
    return this;
  }

  public Runnable afterSent() {
    return afterSent;
  }

  /**
   * Something to do where the answer could not be written because its client went away: an
   * answer that carried what nobody else has (a new recovery key) is then said lost.
   */
  public Response ifUndelivered(Runnable action) {
    this.undelivered = action;
    return this;
  }

  public Runnable undelivered() {
    return undelivered;
  }

  public boolean isOk() {
    return error == null;
  }

  public ErrorCode error() {
    return error;
  }

  public boolean carriesSecret() {
    for (Object value : fields.values()) { // loops, not streams, here and below: every answer pays for them
      if (value instanceof Secret) {
        return true;
      }
    }
    return false;
  }

  /** The JSON line with its newline; wipe it after sending when {@link #carriesSecret()}. */
  public byte[] toLine() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint());
    writeLine(out);
    return out.toByteArray();
  }

  /**
   * About how many bytes the line takes, so a buffer can be sized up front: a list of 10,000
   * would otherwise copy itself a dozen times as it grows.
   */
  public int sizeHint() {
    int size = 128;
    for (Object value : fields.values()) {
      if (value instanceof Map<?, ?> map) {
        size += 64 * map.size();
      }
    }
    return size;
  }

  /** Writes the JSON line with its newline to {@code out}. */
  public void writeLine(OutputStream out) {
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeNumberField("v", Request.VERSION);
      json.writeBooleanField("ok", error == null);
      if (error != null) {
        json.writeObjectFieldStart("error");
        json.writeStringField("code", error.wire());
        json.writeStringField("message", message);
        json.writeEndObject();
      }
      for (Map.Entry<String, Object> field : fields.entrySet()) {
        json.writeFieldName(field.getKey());
        writeValue(json, field.getValue());
      }
      json.writeEndObject();
      json.flush();
      out.write('\n');
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory cannot fail", e);
    }
  }

  @Override
  public void close() {
    for (Object value : fields.values()) {
      if (value instanceof Secret secret) {
        secret.destroy();
      }
    }
  }

  private static void writeValue(JsonGenerator json, Object value) throws IOException {
    switch (value) {
      case String s -> json.writeString(s);
      case Boolean b -> json.writeBoolean(b);
      case Integer i -> json.writeNumber(i);
      case Long l -> json.writeNumber(l);
      case Secret secret -> SecretSafeJson.writeSecret(json, secret);
      case Map<?, ?> map -> {
        json.writeStartObject();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          json.writeStringField(String.valueOf(entry.getKey()), String.valueOf(entry.getValue()));
        }
        json.writeEndObject();
      }
      case List<?> list -> {
        json.writeStartArray();
        for (Object element : list) {
          writeValue(json, element);
        }
        json.writeEndArray();
      }
      default -> throw new IllegalArgumentException("no JSON form for " + value.getClass());
    }
  }
}
