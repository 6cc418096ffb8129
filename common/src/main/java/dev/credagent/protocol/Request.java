package dev.credagent.protocol;

import dev.credagent.failure.ErrorCode;
import dev.credagent.vault.Secret;
import java.util.Map;

/**
 * One parsed request line: {@code {"v":1,"op":"get","server":"..."}}. Secret fields
 * ({@link Op#SECRET_FIELDS}) are held as {@link Secret}s, the rest as strings.
 */
public record Request(int version, String op, Map<String, String> fields, Map<String, Secret> secrets)
    implements AutoCloseable {
  /** The protocol version this daemon and its client speak. */
  public static final int VERSION = 1;

  /** A field the op needs; a missing one is the client's mistake, said plainly. */
  public String require(String field) throws ProtocolException {
    String value = fields.get(field);
    if (value == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "op '" + op + "' needs a string field '" + field + "'");
    }
    return value;
  }

  /** A field the op may go without. */
  public String optional(String field, String fallback) {
    return fields.getOrDefault(field, fallback);
  }

  public Secret requireSecret(String field) throws ProtocolException {
    Secret value = secrets.get(field);
    if (value == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "op '" + op + "' needs a string field '" + field + "'");
    }
    return value;
  }

  /** Hands the secret over to the caller, who then owns (and wipes) it. */
  public Secret takeSecret(String field) throws ProtocolException {
    Secret value = requireSecret(field);
    secrets.remove(field);
    return value;
  }

  /** Wipes the secrets that no one took ownership of. */
  @Override
  public void close() {
    secrets.values().forEach(Secret::destroy);
  }
}
