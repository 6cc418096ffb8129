package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The changes made since the vault file was last written whole: an append-only file beside it,
 * so that a store costs one small sealed record and one fdatasync, not a rewrite of every
 * credential (the vault file is rewritten only now and then, to fold the journal in).
 *
 * <pre>
 * "CAGJ"           4 bytes  magic
 * format           u8       1
 * snapshot nonce   12 bytes the nonce of the vault file whose changes these are
 * then records, each:
 *   length         u32      big-endian, of what follows
 *   nonce          12 bytes fresh for every record
 *   ciphertext + tag        AES-256-GCM under the vault's key; associated data: the journal
 *                           header and the record's index (u32), so records cannot be moved
 * </pre>
 *
 * <p>Only a journal that names the vault file's own nonce applies. Folding it in writes a new vault
 * file (a new nonce) before it resets the journal, so a crash between the two leaves a stale
 * journal that is ignored: nothing lost, nothing applied twice. A torn last record (a crash in the
 * middle of an append, which was never acknowledged) is dropped; a bad record with good ones after
 * it means the file was altered, and the vault refuses to open.
 */
final class Journal {
  static final byte[] MAGIC = {'C', 'A', 'G', 'J'};
  static final int FORMAT_VERSION = 1;
  static final int HEADER_BYTES = MAGIC.length + 1 + VaultFormat.NONCE_BYTES;
  /** No record is larger: a group commit of a few thousand credentials is a few hundred KiB. */
  static final int MAX_RECORD_BYTES = 64 << 20;

  private Journal() {}

  static Path pathFor(Path vault) {
    return vault.resolveSibling(vault.getFileName() + ".journal");
  }

  /** What a journal holds: each record's plaintext, in order, and how many bytes of it are sound. */
  record Replay(List<byte[]> records, long soundBytes, boolean tornTail) {}

  /**
   * The records of {@code journal} (the file's bytes, or null when there is none) for the vault
   * file sealed with {@code snapshotNonce}; null when there is no journal or it belongs to an
   * earlier vault file.
   */
  static Replay read(byte[] journal, byte[] snapshotNonce, byte[] key) throws CorruptVaultException {
    if (journal == null) {
      return null;
    }
    if (journal.length < HEADER_BYTES || !Arrays.equals(journal, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new CorruptVaultException("its journal is not a credagent journal (bad header)");
    }
    if (journal[MAGIC.length] != FORMAT_VERSION) {
      throw new CorruptVaultException("its journal's format " + Byte.toUnsignedInt(journal[MAGIC.length])
          + " is not one this credagent reads; upgrade credagent");
    }
    if (!Arrays.equals(journal, MAGIC.length + 1, HEADER_BYTES, snapshotNonce, 0, snapshotNonce.length)) {
      return null; // stale: its changes are in the vault file already
    }
    byte[] header = Arrays.copyOf(journal, HEADER_BYTES);
    List<byte[]> records = new ArrayList<>();
    int at = HEADER_BYTES;
    while (at < journal.length) {
      byte[] plaintext = record(journal, at, header, records.size(), key);
      if (plaintext == null) {
        if (!isTail(journal, at)) {
          records.forEach(sound -> Arrays.fill(sound, (byte) 0));
          throw new CorruptVaultException("its journal record " + records.size()
              + " does not open though records follow it (the file was altered)");
        }
        return new Replay(records, at, true);
      }
      records.add(plaintext);
      at += Integer.BYTES + ByteBuffer.wrap(journal, at, Integer.BYTES).getInt();
    }
    return new Replay(records, at, false);
  }

  /** Starts an empty journal for the vault file sealed with {@code snapshotNonce}, atomically. */
  static long reset(Path path, byte[] snapshotNonce) throws IOException {
    DurableFile.replace(path, header(snapshotNonce));
    return HEADER_BYTES;
  }

  /** Cuts a torn tail off, durably, so that appends follow the last sound record. */
  static void truncate(Path path, long soundBytes) throws IOException {
    try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
      out.truncate(soundBytes);
      out.force(true);
    }
  }

  /**
   * Appends {@code plaintext} sealed as record {@code index} at {@code length} (where the sound
   * part ends) and makes it durable; returns the journal's new length.
   */
  static long append(Path path, long length, byte[] snapshotNonce, int index, byte[] key, byte[] plaintext,
      SecureRandom random) throws IOException {
    byte[] nonce = VaultFormat.freshNonce(random);
    ByteBuffer out;
    try {
      Cipher gcm = VaultFormat.gcm(Cipher.ENCRYPT_MODE, key, nonce, associatedData(header(snapshotNonce), index));
      int sealedBytes = nonce.length + gcm.getOutputSize(plaintext.length);
      if (sealedBytes > MAX_RECORD_BYTES) {
        throw new IOException("a change of " + plaintext.length + " bytes is larger than a journal record may be");
      }
      out = ByteBuffer.allocate(Integer.BYTES + sealedBytes);
      out.putInt(sealedBytes).put(nonce);
      gcm.doFinal(ByteBuffer.wrap(plaintext), out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to encrypt", e);
    }
    out.flip();
    try (FileChannel file = FileChannel.open(path, StandardOpenOption.WRITE)) {
      long at = length;
      while (out.hasRemaining()) {
        at += file.write(out, at);
      }
      file.force(false); // the data and the file's new size; the file itself was made durable at reset
      return at;
    } catch (NoSuchFileException gone) {
      throw new IOException("the vault's journal " + path + " was removed while the vault was open; lock and unlock", gone);
    }
  }

  /** The plaintext of the record at {@code at}, or null when it is not a whole, sound record. */
  private static byte[] record(byte[] journal, int at, byte[] header, int index, byte[] key) {
    if (journal.length - at < Integer.BYTES) {
      return null;
    }
    int length = ByteBuffer.wrap(journal, at, Integer.BYTES).getInt();
    int start = at + Integer.BYTES;
    if (length < VaultFormat.NONCE_BYTES + VaultFormat.TAG_BYTES || length > journal.length - start) {
      return null;
    }
    byte[] nonce = Arrays.copyOfRange(journal, start, start + VaultFormat.NONCE_BYTES);
    try {
      Cipher gcm = VaultFormat.gcm(Cipher.DECRYPT_MODE, key, nonce, associatedData(header, index));
      return gcm.doFinal(journal, start + nonce.length, length - nonce.length);
    } catch (AEADBadTagException alteredOrTorn) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to decrypt", e);
    }
  }

  /**
   * Whether the bad record at {@code at} is the journal's last (an append a crash cut short) or
   * only zeros follow it (a file system that grew the file before the data reached the disk).
   */
  private static boolean isTail(byte[] journal, int at) {
    if (journal.length - at >= Integer.BYTES) {
      int length = ByteBuffer.wrap(journal, at, Integer.BYTES).getInt();
      if (length < 0 || (long) at + Integer.BYTES + length >= journal.length) {
        return true;
      }
    }
    for (int i = at; i < journal.length; i++) {
      if (journal[i] != 0) {
        return journal.length - at < Integer.BYTES;
      }
    }
    return true;
  }

  private static byte[] header(byte[] snapshotNonce) {
    return ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).put((byte) FORMAT_VERSION).put(snapshotNonce).array();
  }

  private static byte[] associatedData(byte[] header, int index) {
    return ByteBuffer.allocate(header.length + Integer.BYTES).put(header).putInt(index).array();
  }
}
