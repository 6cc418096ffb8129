package dev.credagent.vault;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bytes of a vault file: a plain header, then the body sealed with AES-256-GCM.
 *
 * <pre>
 * "CAGV"           4 bytes  magic
 * format           u8       4 (2: without the two fields after the key check; 1: without the key
 *                           check either; both still read, and written anew at unlock. 4, not 3:
 *                           no single flipped bit turns it into 1 or 2, read without a digest)
 * kdf              u8       1 = Argon2id v1.3: the passphrase and the salt below derive the key
 *                           (the way in of vaults before key slots); 0 (format 4): the salt
 *                           derives nothing, only the key slots open the vault
 * memory KiB       u32      big-endian
 * iterations       u32
 * parallelism      u8
 * salt length      u8       16, then the salt
 * aead             u8       1 = AES-256-GCM, 128-bit tag
 * nonce length     u8       12, then the nonce (fresh for every write)
 * check length     u8       16, then the key check (format 2): HMAC-SHA256 of a fixed label
 *                           under the key, cut to 16 bytes
 * previous nonce   12 bytes (format 4) the nonce of the vault file this one replaced (zeros: none):
 *                           the journal that a crash in a fold leaves names it, and only a journal
 *                           that names it is stale (the header is the AEAD's associated data, so
 *                           this is authenticated)
 * digest           16 bytes (format 4) SHA-256 of the header before it: a damaged salt, cost or
 *                           key check is told from a wrong passphrase before any key is derived
 * ciphertext + tag          to the end of the file
 * </pre>
 *
 * The key check tells a wrong passphrase (the check differs) from a damaged file (the check
 * matches, the tag fails): the one is the throttle's business, the other is reported as damage.
 * It reveals nothing of the key that the tag does not (both need the key to make).
 *
 * The whole header is the AEAD's associated data, so changing a parameter or the salt breaks the
 * tag just as changing the body does.
 *
 * <p>AES-GCM is the JDK's (AES-NI where the CPU has it): Bouncy Castle's would load its signed
 * jar, whose verified manifest alone keeps 2.5 MiB of the daemon's heap for good.
 */
final class VaultFormat {
  static final byte[] MAGIC = {'C', 'A', 'G', 'V'};
  static final int FORMAT_VERSION = 4;
  /** Vaults written before the previous nonce and the digest: read, and written anew at unlock. */
  static final int FORMAT_NO_DIGEST = 2;
  /** Vaults written before the key check: read, and written anew in the current format at unlock. */
  static final int FORMAT_NO_KEY_CHECK = 1;
  static final int DIGEST_BYTES = 16;
  /** The kdf id of a vault that only its key slots open. */
  static final int KDF_NONE = 0;
  static final int KEY_CHECK_BYTES = 16;
  static final int KDF_ARGON2ID = 1;
  static final int AEAD_AES_256_GCM = 1;
  static final int SALT_BYTES = 16;
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  private static final int TAG_BITS = TAG_BYTES * 8;

  private VaultFormat() {}

  /**
   * The key-derivation half of a header: what unlocking needs before anything can be decrypted.
   * {@code salt} is null when the header derives no key (only the key slots open the vault);
   * {@code params} are then the vault's cost all the same.
   */
  record KeySpec(KdfParams params, byte[] salt) {
    /** Whether the passphrase and the salt derive the key: the way in of vaults before key slots. */
    boolean headerWayIn() {
      return salt != null;
    }

    /** The same cost, and no way in through the header. */
    KeySpec slotsOnly() {
      return new KeySpec(params, null);
    }

    static KeySpec fresh(KdfParams params, SecureRandom random) {
      byte[] salt = new byte[SALT_BYTES];
      random.nextBytes(salt);
      return new KeySpec(params, salt);
    }
  }

  static byte[] freshNonce(SecureRandom random) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    return nonce;
  }

  /**
   * A parsed file: how to derive its key, and the sealed rest; {@code previousNonce} is null in a
   * file of a format before it.
   */
  record Sealed(KeySpec keySpec, byte[] header, byte[] nonce, byte[] keyCheck, byte[] previousNonce, byte[] ciphertext) {
    /** Whether this file is of an older format, to be written anew. */
    boolean legacy() {
      return previousNonce == null;
    }
  }

  static byte[] seal(KeySpec spec, byte[] key, byte[] plaintext, SecureRandom random) {
    return seal(spec, key, plaintext, freshNonce(random), null);
  }

  /**
   * Seals with {@code nonce}, which must never have been used with this key (see {@link
   * #freshNonce}), naming {@code previousNonce} (null: none) as the file it replaces.
   */
  static byte[] seal(KeySpec spec, byte[] key, byte[] plaintext, byte[] nonce, byte[] previousNonce) {
    byte[] header = header(spec, nonce, keyCheck(key), previousNonce == null ? new byte[NONCE_BYTES] : previousNonce);
    try {
      Cipher gcm = gcm(Cipher.ENCRYPT_MODE, key, nonce, header);
      byte[] out = new byte[header.length + gcm.getOutputSize(plaintext.length)];
      System.arraycopy(header, 0, out, 0, header.length);
      gcm.doFinal(plaintext, 0, plaintext.length, out, header.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to encrypt", e);
    }
  }

  static Sealed parse(byte[] file) throws CorruptVaultException {
    ByteBuffer in = ByteBuffer.wrap(file);
    try {
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptVaultException("it is not a credagent vault (unknown magic bytes)");
      }
      int format = Byte.toUnsignedInt(in.get());
      if (format != FORMAT_VERSION && format != FORMAT_NO_DIGEST && format != FORMAT_NO_KEY_CHECK) {
        throw new CorruptVaultException("its format version " + format
            + " is not one this credagent reads (it reads up to " + FORMAT_VERSION + "); upgrade credagent");
      }
      int kdf = Byte.toUnsignedInt(in.get());
      if (kdf != KDF_ARGON2ID && (kdf != KDF_NONE || format != FORMAT_VERSION)) {
        throw new CorruptVaultException("its key derivation id " + kdf + " is unknown");
      }
      int memory = in.getInt();
      int iterations = in.getInt();
      int parallelism = Byte.toUnsignedInt(in.get());
      KdfParams params;
      try {
        params = new KdfParams(memory, iterations, parallelism);
      } catch (IllegalArgumentException e) {
        throw new CorruptVaultException("its header is out of bounds: " + e.getMessage());
      }
      byte[] salt = lengthPrefixed(in, SALT_BYTES, "salt");
      expect(in.get(), AEAD_AES_256_GCM, "cipher");
      byte[] nonce = lengthPrefixed(in, NONCE_BYTES, "nonce");
      byte[] keyCheck = format == FORMAT_NO_KEY_CHECK ? null : lengthPrefixed(in, KEY_CHECK_BYTES, "key check");
      byte[] previousNonce = null;
      if (format == FORMAT_VERSION) {
        previousNonce = new byte[NONCE_BYTES];
        in.get(previousNonce);
        in.get(new byte[DIGEST_BYTES]);
        checkDigest(file); // after the bounds: a digest anyone can make does not stand for them
      }
      byte[] header = Arrays.copyOf(file, in.position());
      byte[] ciphertext = Arrays.copyOfRange(file, in.position(), file.length);
      if (ciphertext.length < TAG_BITS / 8) {
        throw new CorruptVaultException("it is truncated");
      }
      return new Sealed(new KeySpec(params, kdf == KDF_NONE ? null : salt), header, nonce, keyCheck, previousNonce,
          ciphertext);
    } catch (BufferUnderflowException e) {
      throw new CorruptVaultException("it is truncated");
    }
  }

  /**
   * The plaintext body, or null when the key is wrong; {@link CorruptVaultException} when the key
   * is right (its check matches) but the body does not open. A file without a key check cannot
   * tell the two apart: null.
   */
  static byte[] open(Sealed sealed, byte[] key) throws CorruptVaultException {
    if (sealed.keyCheck() != null && !MessageDigest.isEqual(sealed.keyCheck(), keyCheck(key))) {
      return null;
    }
    byte[] plaintext = null;
    try {
      Cipher gcm = gcm(Cipher.DECRYPT_MODE, key, sealed.nonce(), sealed.header());
      plaintext = new byte[gcm.getOutputSize(sealed.ciphertext().length)];
      int written = gcm.doFinal(sealed.ciphertext(), 0, sealed.ciphertext().length, plaintext, 0);
      return written == plaintext.length ? plaintext : Arrays.copyOf(plaintext, written);
    } catch (AEADBadTagException wrongKeyOrAltered) {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
      if (sealed.keyCheck() != null) {
        throw new CorruptVaultException("it is damaged: the passphrase is right (the key check matches) but its"
            + " contents do not open; restore it from a backup");
      }
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to decrypt", e);
    }
  }

  /** The key check of {@code key}: HMAC-SHA256 of a fixed label, its first 16 bytes. */
  static byte[] keyCheck(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Arrays.copyOf(mac.doFinal("credagent vault key check".getBytes(StandardCharsets.US_ASCII)),
          KEY_CHECK_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
    }
  }

  private static byte[] header(KeySpec spec, byte[] nonce, byte[] keyCheck, byte[] previousNonce) {
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 2 + 4 + 4 + 1 + 1 + SALT_BYTES + 1 + 1 + nonce.length
        + 1 + keyCheck.length + previousNonce.length + DIGEST_BYTES);
    out.put(MAGIC)
        .put((byte) FORMAT_VERSION)
        .put((byte) (spec.headerWayIn() ? KDF_ARGON2ID : KDF_NONE))
        .putInt(spec.params().memoryKiB())
        .putInt(spec.params().iterations())
        .put((byte) spec.params().parallelism())
        .put((byte) SALT_BYTES).put(spec.headerWayIn() ? spec.salt() : new byte[SALT_BYTES])
        .put((byte) AEAD_AES_256_GCM)
        .put((byte) nonce.length).put(nonce)
        .put((byte) keyCheck.length).put(keyCheck)
        .put(previousNonce);
    out.put(digest(out.array(), out.position()));
    return out.array();
  }

  /** SHA-256 of the first {@code length} bytes, cut to {@link #DIGEST_BYTES}; the slots file's too. */
  static byte[] digest(byte[] bytes, int length) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes, 0, length);
      return Arrays.copyOf(sha.digest(), DIGEST_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The header of a format 4 file is as its digest says, or it is damage, whatever the passphrase. */
  private static void checkDigest(byte[] file) throws CorruptVaultException {
    int length = MAGIC.length + 2 + 4 + 4 + 1 + 1 + SALT_BYTES + 1 + 1 + NONCE_BYTES + 1 + KEY_CHECK_BYTES + NONCE_BYTES;
    if (file.length < length + DIGEST_BYTES) {
      throw new CorruptVaultException("it is truncated");
    }
    if (!MessageDigest.isEqual(digest(file, length), Arrays.copyOfRange(file, length, length + DIGEST_BYTES))) {
      throw new CorruptVaultException("its header (bytes 0-" + (length - 1) + ") is damaged: its digest at byte " + length
          + " does not match; restore it from a backup");
    }
  }

  static Cipher gcm(int mode, byte[] key, byte[] nonce, byte[] header) throws GeneralSecurityException {
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    gcm.updateAAD(header);
    return gcm;
  }

  private static void expect(byte actual, int expected, String what) throws CorruptVaultException {
    if (Byte.toUnsignedInt(actual) != expected) {
      throw new CorruptVaultException("its " + what + " id " + Byte.toUnsignedInt(actual) + " is unknown");
    }
  }

  private static byte[] lengthPrefixed(ByteBuffer in, int expected, String what) throws CorruptVaultException {
    int length = Byte.toUnsignedInt(in.get());
    if (length != expected) {
      throw new CorruptVaultException("its " + what + " is " + length + " bytes, not " + expected);
    }
    byte[] value = new byte[length];
    in.get(value);
    return value;
  }
}
