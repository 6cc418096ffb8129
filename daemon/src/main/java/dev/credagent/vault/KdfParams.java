package dev.credagent.vault;

/**
 * Argon2id cost parameters; they are written in each vault's header, so a vault keeps the cost it
 * was made with and a later version may raise the default without breaking old vaults.
 */
public record KdfParams(int memoryKiB, int iterations, int parallelism) {
  /**
   * 128 MiB, 3 passes, 1 lane: about 0.45 s warm and 0.65 s for a fresh JVM on a 2-core machine
   * with Bouncy Castle's Java implementation (64 MiB took only 0.16 s warm, under the 0.3 s floor
   * we aim for). Bouncy Castle computes lanes one after the other, so more lanes only cost time.
   */
  public static final KdfParams DEFAULT = new KdfParams(128 * 1024, 3, 1);

  /**
   * Bounds a header must respect, so a tampered vault cannot make us allocate or spin forever:
   * 256 MiB is twice the default and what the daemon's memory limits allow for.
   */
  static final int MAX_MEMORY_KIB = 256 * 1024;
  static final int MAX_ITERATIONS = 64;
  static final int MAX_PARALLELISM = 16;

  public static final int KEY_BYTES = 32;

  public KdfParams {
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new IllegalArgumentException("Argon2 parallelism must be 1.." + MAX_PARALLELISM);
    }
    if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
      throw new IllegalArgumentException("Argon2 memory must be " + 8 * parallelism + ".." + MAX_MEMORY_KIB + " KiB");
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("Argon2 iterations must be 1.." + MAX_ITERATIONS);
    }
  }

  /** A 256-bit key from the passphrase's UTF-8 bytes; the caller wipes both. */
  public byte[] deriveKey(byte[] passphrase, byte[] salt) {
    return Argon2id.get().derive(passphrase, salt, this, KEY_BYTES);
  }
}
