package dev.credagent.vault;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Arrays;

/**
 * The Argon2id cost of a new vault, measured on this machine as cryptsetup's {@code --iter-time}
 * does: as many passes over 128 MiB as fit in the target time, so that a fast machine pays more
 * for an attacker and a slow one does not make its user wait. A derivation costs a fixed part
 * (mapping and first touching the memory) and a part per pass: two trial derivations, of one pass
 * and of two, tell both apart (after a small one that pays for loading the library). The floor is
 * RFC 9106's second recommendation, 3 passes over 64 MiB: where 3 passes over 128 MiB exceed the
 * target, the memory shrinks towards 64 MiB; a machine slower still gets the floor and waits
 * longer, since a vault keeps its cost for good and a busy moment must not weaken it.
 */
public final class KdfCalibration {
  /** What a derivation should cost: once per session, so half a second is not felt. */
  public static final Duration TARGET = Duration.ofMillis(500);
  static final int MEMORY_KIB = 128 * 1024;
  static final int FLOOR_KIB = 64 * 1024;
  static final int MIN_PASSES = 3;

  private KdfCalibration() {}

  public static KdfParams calibrate(Argon2id argon2, Duration target, Ticker ticker) {
    time(argon2, new KdfParams(1024, 1, 1), ticker); // warm-up: loading, linking, first compilation
    long one = time(argon2, new KdfParams(MEMORY_KIB, 1, 1), ticker);
    long two = time(argon2, new KdfParams(MEMORY_KIB, 2, 1), ticker);
    long perPass = Math.max(1, two - one);
    long fixed = Math.max(0, one - perPass);
    long budget = target.toNanos() - fixed;
    if (budget < MIN_PASSES * perPass) {
      long memory = Math.max(FLOOR_KIB, MEMORY_KIB * Math.max(budget, 0) / (MIN_PASSES * perPass));
      return new KdfParams((int) (memory / 1024 * 1024), MIN_PASSES, 1);
    }
    long passes = Math.min(KdfParams.MAX_ITERATIONS, budget / perPass);
    return new KdfParams(MEMORY_KIB, (int) passes, 1);
  }

  private static long time(Argon2id argon2, KdfParams params, Ticker ticker) {
    byte[] throwaway = new byte[16];
    long start = ticker.read();
    byte[] key = argon2.derive(throwaway, throwaway, params, KdfParams.KEY_BYTES);
    long took = ticker.read() - start;
    Arrays.fill(key, (byte) 0);
    return took;
  }
}
