package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Both implementations compute Argon2id v1.3, as the reference's own test vectors say. */
class Argon2idTest {
  /** From the reference implementation's test.c: argon2id, v0x13, t=2, m=2^16, p=1. */
  private static final String REFERENCE = "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7";

  private static byte[] reference(Argon2id argon2) {
    return argon2.derive("password".getBytes(StandardCharsets.US_ASCII), "somesalt".getBytes(StandardCharsets.US_ASCII),
        new KdfParams(1 << 16, 2, 1), 32);
  }

  @Test
  void bouncyCastleMatchesTheReferenceVector() {
    assertEquals(REFERENCE, HexFormat.of().formatHex(reference(new JavaArgon2id())));
  }

  @Test
  void libargon2MatchesTheReferenceVectorAndBouncyCastle() {
    NativeArgon2id libargon2 = NativeArgon2id.load();
    assumeTrue(libargon2 != null, "libargon2 is not installed (Debian: libargon2-1)");
    assertEquals(REFERENCE, HexFormat.of().formatHex(reference(libargon2)));
    Random random = new Random(7);
    for (int i = 0; i < 5; i++) {
      byte[] passphrase = new byte[random.nextInt(40)];
      byte[] salt = new byte[16];
      random.nextBytes(passphrase);
      random.nextBytes(salt);
      KdfParams params = new KdfParams(8 + random.nextInt(256), 1 + random.nextInt(3), 1 + random.nextInt(2));
      assertArrayEquals(new JavaArgon2id().derive(passphrase, salt, params, 32), libargon2.derive(passphrase, salt, params, 32),
          "passphrase of " + passphrase.length + " bytes, " + params);
    }
  }

  @Test
  void theDaemonUsesLibargon2WhereItIsInstalled() {
    assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libargon2.so.1"))
        || java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/aarch64-linux-gnu/libargon2.so.1")), "no libargon2 here");
    assertEquals("libargon2 (native)", Argon2id.get().name());
  }
}
