package dev.credagent.vault;

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

  /** For a factory with features of its own (strict duplicate detection, say). */
  public static JsonFactoryBuilder builder() {
    JsonFactoryBuilder builder = new JsonFactoryBuilder();
    builder.recyclerPool(JsonRecyclerPools.nonRecyclingPool());
    return builder;
  }
}
