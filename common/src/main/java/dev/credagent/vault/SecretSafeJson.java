package dev.credagent.vault;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Arrays;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;

/**
 * The one way the daemon makes Jackson factories for JSON that may carry a secret. Jackson
 * recycles its parse and write buffers by default, so the characters of the last passphrase or
 * secret it handled stay reachable in a pool after {@code lock}: six live copies of a stored
 * secret were found that way. Without recycling, each buffer is garbage once its call returns.
 *
 * <p>Since every parser and generator gets buffers of its own, they are small: Jackson's defaults
 * (8,000 bytes and 2,000 characters for each generator, sized to be recycled) were a third of the
 * cost of writing an answer, and a megabyte of garbage per 40 gets. A longer value is written in
 * more pieces, not cut.
 */
public final class SecretSafeJson {
  /** A new set of small buffers for each parser and generator, garbage once it is closed (set before the factories that use it). */
  private static final RecyclerPool<BufferRecycler> NEVER_RECYCLED = new RecyclerPool<>() {
    @Override
    public BufferRecycler acquirePooled() {
      return new SmallBuffers();
    }

    @Override
    public void releasePooled(BufferRecycler pooled) {
      // Nothing is kept: the buffers go with the recycler.
    }
  };

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
    builder.recyclerPool(NEVER_RECYCLED);
    return builder;
  }

  /** Jackson's buffers at a size for lines of a few hundred bytes; they grow where a value needs it. */
  private static final class SmallBuffers extends BufferRecycler {
    private static final int BYTES = 512;
    private static final int CHARS = 256;

    @Override
    protected int byteBufferLength(int ix) {
      return Math.min(super.byteBufferLength(ix), BYTES);
    }

    @Override
    protected int charBufferLength(int ix) {
      return Math.min(super.charBufferLength(ix), CHARS);
    }
  }
}
