package dev.credagent.vault;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;

/**
 * The one way the daemon makes Jackson factories for JSON that may carry a secret. Jackson
 * recycles its parse and write buffers by default, so the characters of the last passphrase or
 * secret it handled stay reachable in a pool after {@code lock}: six live copies of a stored
 * secret were found that way. Without recycling, each buffer is garbage once its call returns.
 */
public final class SecretSafeJson {
  /** The plain factory: request, response, helper and vault JSON. */
  public static final JsonFactory FACTORY = builder().build();

  private SecretSafeJson() {}

  /**
   * Writes {@code secret} as a JSON string value from a copy of its characters, which is wiped
   * whatever happens: the one way a secret goes into JSON (a response, the helper's answer, the
   * vault body, a journal record), so no String of it is ever made.
   */
  public static void writeSecret(JsonGenerator json, Secret secret) throws IOException {
    char[] chars = secret.toChars();
    try {
      json.writeString(chars, 0, chars.length);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  /** For a factory with features of its own (strict duplicate detection, say). */
  public static JsonFactoryBuilder builder() {
    JsonFactoryBuilder builder = new JsonFactoryBuilder();
    builder.recyclerPool(JsonRecyclerPools.nonRecyclingPool());
    return builder;
  }
}
