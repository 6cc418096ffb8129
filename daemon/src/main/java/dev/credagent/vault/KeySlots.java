package dev.credagent.vault;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The vault's key slots, as LUKS keeps them: the key that seals the vault (its data key) wrapped
 * once per way to open it, each slot under its own key derived from its own secret with its own
 * Argon2id salt and cost. A slot is a passphrase's, a login password's (for PAM), or a recovery
 * key's. They live in a file of their own beside the vault ({@code vault.slots}), replaced whole
 * and atomically, so that {@code credagent passwd} rewraps one slot and re-encrypts no credential,
 * and a crash leaves the old slots or the new, never neither.
 *
 * <pre>
 * "CAGS"           4 bytes  magic
 * format           u8       2 (1: without the digest, still read; rewritten at the next change)
 * slots            u8       how many follow, 1..{@value #MAX_SLOTS}
 * each slot:
 *   kind           u8       1 passphrase, 2 login, 3 recovery
 *   memory KiB     u32      Argon2id's cost, as the vault header keeps it
 *   iterations     u32
 *   parallelism    u8
 *   salt           16 bytes
 *   nonce          12 bytes
 *   wrapped key    48 bytes the data key under AES-256-GCM; associated data: the slot's bytes
 *                           before it (magic to nonce), so no field can be changed or moved
 * digest           16 bytes (format 2) SHA-256 of every byte before it, cut to 16
 * </pre>
 *
 * <p>The digest tells a damaged file from a wrong passphrase before any key is derived: a flipped
 * bit in a slot's salt or cost would otherwise derive another key, which fails as a wrong secret
 * does (exit 5, throttled) where it is damage (exit 1, the file named). It is no secret and no
 * key's: whoever may write the file may also make a digest, or delete the file; what the digest
 * stands for is only that the bytes are the ones credagent wrote. Each slot's own tag (under a key
 * only its secret derives) is what authenticates the slot against a writer without the secret.
 *
 * <p>A vault without this file (all vaults made before it) is opened as before: its data key is
 * derived from the passphrase with the vault header's own salt. Adding a slot to such a vault
 * keeps that way open until a passphrase slot exists ({@code passwd}); from then on only the
 * slots open it.
 */
final class KeySlots {
  static final byte[] MAGIC = {'C', 'A', 'G', 'S'};
  static final int FORMAT_VERSION = 2;
  /** Slots files before the digest: read, and written in the current format at the next change. */
  static final int FORMAT_NO_DIGEST = 1;
  static final int DIGEST_BYTES = VaultFormat.DIGEST_BYTES;
  static final int MAX_SLOTS = 8;
  private static final int WRAPPED_BYTES = KdfParams.KEY_BYTES + VaultFormat.TAG_BYTES;
  /** The format byte in each slot's associated data: 1 as when slots came, so that slots rewrap no key for the digest. */
  private static final int SLOT_AAD_FORMAT = 1;

  /** What a slot is opened with. */
  enum Kind {
    PASSPHRASE(1), LOGIN(2), RECOVERY(3);

    final int id;

    Kind(int id) {
      this.id = id;
    }

    static Kind of(int id) throws CorruptVaultException {
      for (Kind kind : values()) {
        if (kind.id == id) {
          return kind;
        }
      }
      throw new CorruptVaultException("its key slots name an unknown kind " + id);
    }

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One slot: how to derive its key, and the data key it wraps. */
  record Slot(Kind kind, KdfParams params, byte[] salt, byte[] nonce, byte[] wrapped) {
    private byte[] associatedData() {
      return ByteBuffer.allocate(MAGIC.length + 1 + 1 + 4 + 4 + 1 + VaultFormat.SALT_BYTES + VaultFormat.NONCE_BYTES)
          .put(MAGIC).put((byte) SLOT_AAD_FORMAT).put((byte) kind.id).putInt(params.memoryKiB()).putInt(params.iterations())
          .put((byte) params.parallelism()).put(salt).put(nonce).array();
    }

    /** The data key this slot wraps, opened with {@code secret}; null when the secret is not this slot's. */
    byte[] open(byte[] secret) {
      byte[] kek = params.deriveKey(secret, salt);
      try {
        Cipher gcm = VaultFormat.gcm(Cipher.DECRYPT_MODE, kek, nonce, associatedData());
        return gcm.doFinal(wrapped);
      } catch (AEADBadTagException notThisSecret) {
        return null;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to decrypt", e);
      } finally {
        Arrays.fill(kek, (byte) 0);
      }
    }

    /** A slot of {@code kind} that {@code secret} opens, wrapping {@code dataKey}. */
    static Slot wrap(Kind kind, KdfParams params, byte[] secret, byte[] dataKey, SecureRandom random) {
      byte[] salt = new byte[VaultFormat.SALT_BYTES];
      random.nextBytes(salt);
      byte[] nonce = VaultFormat.freshNonce(random);
      Slot unsealed = new Slot(kind, params, salt, nonce, null);
      byte[] kek = params.deriveKey(secret, salt);
      try {
        Cipher gcm = VaultFormat.gcm(Cipher.ENCRYPT_MODE, kek, nonce, unsealed.associatedData());
        return new Slot(kind, params, salt, nonce, gcm.doFinal(dataKey));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to encrypt", e);
      } finally {
        Arrays.fill(kek, (byte) 0);
      }
    }
  }

  private KeySlots() {}

  static Path pathFor(Path vault) {
    return vault.resolveSibling(vault.getFileName() + ".slots");
  }

  static byte[] encode(List<Slot> slots) {
    if (slots.isEmpty() || slots.size() > MAX_SLOTS) {
      throw new IllegalArgumentException("a vault has 1 to " + MAX_SLOTS + " key slots");
    }
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 2 + slots.size()
        * (1 + 4 + 4 + 1 + VaultFormat.SALT_BYTES + VaultFormat.NONCE_BYTES + WRAPPED_BYTES) + DIGEST_BYTES);
    out.put(MAGIC).put((byte) FORMAT_VERSION).put((byte) slots.size());
    for (Slot slot : slots) {
      out.put((byte) slot.kind().id).putInt(slot.params().memoryKiB()).putInt(slot.params().iterations())
          .put((byte) slot.params().parallelism()).put(slot.salt()).put(slot.nonce()).put(slot.wrapped());
    }
    out.put(digest(out.array(), out.position()));
    return out.array();
  }

  /** The vault header's digest (the same 16 bytes of SHA-256): one way to tell damage from a wrong passphrase. */
  private static byte[] digest(byte[] bytes, int length) {
    return VaultFormat.digest(bytes, length);
  }

  /** The slots in {@code file}, the bytes of the slots file at {@code path} (which what is refused names). */
  static List<Slot> decode(Path path, byte[] file) throws CorruptVaultException {
    try {
      return decode(file);
    } catch (CorruptVaultException damaged) {
      throw new CorruptVaultException(path + ": " + damaged.reason() + "; restore it from a backup made since the"
          + " last passwd or keyslot change (a recovery key does not help: it is one of its slots)");
    }
  }

  private static List<Slot> decode(byte[] file) throws CorruptVaultException {
    ByteBuffer in = ByteBuffer.wrap(file);
    try {
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptVaultException("it is not a credagent key slots file");
      }
      int format = Byte.toUnsignedInt(in.get());
      if (format != FORMAT_VERSION && format != FORMAT_NO_DIGEST) {
        throw new CorruptVaultException("its format " + format + " is not one this credagent reads; upgrade credagent");
      }
      if (format == FORMAT_VERSION) {
        int length = file.length - DIGEST_BYTES;
        if (length < MAGIC.length + 2 || !MessageDigest.isEqual(digest(file, length),
            Arrays.copyOfRange(file, length, file.length))) {
          throw new CorruptVaultException("it is damaged: its digest (its last " + DIGEST_BYTES
              + " bytes) does not match the bytes before it");
        }
        in.limit(length);
      }
      int count = Byte.toUnsignedInt(in.get());
      if (count < 1 || count > MAX_SLOTS) {
        throw new CorruptVaultException("it holds " + count + " slots");
      }
      List<Slot> slots = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        Kind kind = Kind.of(Byte.toUnsignedInt(in.get()));
        KdfParams params;
        try {
          params = new KdfParams(in.getInt(), in.getInt(), Byte.toUnsignedInt(in.get()));
        } catch (IllegalArgumentException e) {
          throw new CorruptVaultException("a key slot's cost is out of bounds: " + e.getMessage());
        }
        byte[] salt = new byte[VaultFormat.SALT_BYTES];
        byte[] nonce = new byte[VaultFormat.NONCE_BYTES];
        byte[] wrapped = new byte[WRAPPED_BYTES];
        in.get(salt).get(nonce).get(wrapped);
        slots.add(new Slot(kind, params, salt, nonce, wrapped));
      }
      if (in.hasRemaining()) {
        throw new CorruptVaultException("it has bytes after its last slot");
      }
      return slots;
    } catch (BufferUnderflowException e) {
      throw new CorruptVaultException("it is truncated");
    }
  }
}
