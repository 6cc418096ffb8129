package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The changes made since the vault file was last written whole: an append-only file beside it,
 * so that a store costs one small sealed record and one fdatasync, not a rewrite of every
 * credential (the vault file is rewritten only now and then, to fold the journal in).
 *
 * <pre>
 * "CAGJ"           4 bytes  magic
 * format           u8       2 (1: records without a header check, read for old vaults only)
 * snapshot nonce   12 bytes the nonce of the vault file whose changes these are
 * then records, each:
 *   length         u32      big-endian, of what follows the check
 *   check          u32      CRC32C of the length and the record's index (u32): a damaged header
 *                           is told from a torn one
 *   nonce          12 bytes fresh for every record
 *   ciphertext + tag        AES-256-GCM under the vault's key; associated data: the journal
 *                           header and the record's index (u32), so records cannot be moved
 * </pre>
 *
 * <p>Only a journal that names the vault file's own nonce applies. Folding it in writes a new vault
 * file (a new nonce) before it resets the journal, so a crash between the two leaves a stale
 * journal, which is reset: nothing lost, nothing applied twice. Stale only by proof: the new vault
 * file names the nonce of the one it replaced in its authenticated header, and only a journal
 * that names that one is stale. Any other mismatch is damage (a flipped bit in the nonce: its
 * records do not open under the header as it stands, which their associated data authenticates)
 * or another vault file's journal, and is refused with nothing changed; the header alone is not
 * authenticated, so a mismatch alone proves nothing. One exception loses nothing: beside a vault
 * file of a format before the previous nonce, a journal whose records open under its header is
 * judged stale as credagent judged it then. A journal without a record is no exception: its
 * header naming a newer vault file is what shows an older one put back in its place.
 *
 * <p>Only a write that was never acknowledged may be dropped, and only what a crash in the middle
 * of an append can leave counts as one (a torn tail): a record header cut short; a sound header
 * whose record runs past the end of the file; zeros where a header should be (a file system that
 * grew the file before the data reached the disk); a last record whose tag is still zeros. Anything
 * else that fails (a header whose check fails over other bytes, a whole record that does not open)
 * is damage: the vault refuses to open and names the file and the offset, and nothing is cut.
 */
final class Journal {
  static final byte[] MAGIC = {'C', 'A', 'G', 'J'};
  static final int FORMAT_VERSION = 2;
  /** Records without a header check: read, so that a vault from before opens, then folded away. */
  static final int FORMAT_UNCHECKED = 1;
  static final int HEADER_BYTES = MAGIC.length + 1 + VaultFormat.NONCE_BYTES;
  /** No record is larger: a group commit of a few thousand credentials is a few hundred KiB. */
  static final int MAX_RECORD_BYTES = 64 << 20;

  private Journal() {}

  static Path pathFor(Path vault) {
    return vault.resolveSibling(vault.getFileName() + ".journal");
  }

  /**
   * What a journal holds: each record's plaintext, in order, how many bytes of it are sound, and
   * whether a torn tail follows them; {@code format} is the file's, so an old one can be folded away.
   */
  record Replay(List<byte[]> records, long soundBytes, boolean tornTail, int format) {}

  /** What a look at a journal without its key finds: where a torn tail or damage starts (-1: none). */
  record Shape(int format, int records, long tornAt, long damagedAt, String damage) {}

  /**
   * The journal's structure as far as its headers tell (no key needed, so {@code doctor} can run
   * it): null when there is no journal or it is not one; records whose header check fails, or
   * that run past a record after them, are damage.
   */
  static Shape inspect(byte[] journal) {
    if (journal == null || journal.length < HEADER_BYTES || !Arrays.equals(journal, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    int format = journal[MAGIC.length];
    int at = HEADER_BYTES;
    int index = 0;
    while (at < journal.length) {
      Frame frame = frame(journal, at, index, format);
      switch (frame.kind()) {
        case WHOLE -> {
          at = frame.end();
          index++;
        }
        case TORN -> {
          return new Shape(format, index, at, -1, null);
        }
        default -> {
          return new Shape(format, index, -1, at, frame.why());
        }
      }
    }
    return new Shape(format, index, -1, -1, null);
  }

  /**
   * The records of {@code journal} (the file's bytes, or null when there is none) for the vault
   * file sealed with {@code snapshotNonce}, which replaced the one sealed with {@code
   * previousNonce} (null: a vault file of a format that does not say); null when there is no
   * journal or it is stale (see above). {@code path} names the file in what a damaged one is
   * refused with.
   */
  static Replay read(Path path, byte[] journal, byte[] snapshotNonce, byte[] previousNonce, byte[] key)
      throws CorruptVaultException {
    if (journal == null) {
      return null;
    }
    if (journal.length < HEADER_BYTES || !Arrays.equals(journal, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new CorruptVaultException(path + " is not a credagent journal (bad header)");
    }
    int format = journal[MAGIC.length];
    if (format != FORMAT_VERSION && format != FORMAT_UNCHECKED) {
      throw new CorruptVaultException("its journal's format " + Byte.toUnsignedInt(journal[MAGIC.length])
          + " is not one this credagent reads; upgrade credagent");
    }
    boolean foreign = !Arrays.equals(journal, MAGIC.length + 1, HEADER_BYTES, snapshotNonce, 0, snapshotNonce.length);
    if (foreign && previousNonce != null && !Arrays.equals(previousNonce, new byte[previousNonce.length]) // zeros: none
        && Arrays.equals(journal, MAGIC.length + 1, HEADER_BYTES, previousNonce, 0, previousNonce.length)) {
      return null; // stale, by proof: the vault file says it replaced the one this journal extends
    }
    Replay replay = records(path, journal, key, format, foreign);
    // Even without a record, a journal that names a newer vault file than the one beside it is
    // proof of a rollback (an older vault file swapped in alone): opening it would drop, unseen,
    // every change since that file was written.
    if (!foreign || previousNonce == null) {
      if (foreign) {
        replay.records().forEach(sound -> Arrays.fill(sound, (byte) 0));
        return null;
      }
      return replay;
    }
    replay.records().forEach(sound -> Arrays.fill(sound, (byte) 0));
    throw new CorruptVaultException(path + " is the journal of another vault file than the one beside it (its header"
        + " names neither that file nor the one it replaced: the vault file may be an older one put back) and holds "
        + replay.records().size() + " changes:"
        + " nothing was changed. Restore the vault and its journal from one backup; or, to open the vault as its"
        + " file alone has it, move the journal aside (the changes in it are then lost)");
  }

  /**
   * The records, opened under the header as it stands; when it names another vault file
   * ({@code foreign}), a record that does not open is taken for damage in the header.
   */
  private static Replay records(Path path, byte[] journal, byte[] key, int format, boolean foreign)
      throws CorruptVaultException {
    byte[] header = Arrays.copyOf(journal, HEADER_BYTES);
    List<byte[]> records = new ArrayList<>();
    int at = HEADER_BYTES;
    try {
      while (at < journal.length) {
        Frame frame = frame(journal, at, records.size(), format);
        if (frame.kind() == Frame.Kind.TORN) {
          return new Replay(records, at, true, format);
        }
        byte[] plaintext = frame.kind() == Frame.Kind.WHOLE ? open(journal, frame, header, records.size(), key) : null;
        if (plaintext == null) {
          if (frame.kind() == Frame.Kind.WHOLE && frame.end() == journal.length && tagUnwritten(journal, frame)) {
            return new Replay(records, at, true, format); // the last append's data never reached the disk
          }
          if (foreign) { // most likely the header's nonce is what is damaged, not the record
            throw damaged(path, MAGIC.length + 1, records.size(), "the header names another vault file, and record "
                + records.size() + " at byte " + at + " does not open under it: the header is damaged");
          }
          throw damaged(path, at, records.size(), frame.kind() == Frame.Kind.WHOLE ? "it does not open" : frame.why());
        }
        records.add(plaintext);
        at = frame.end();
      }
    } catch (CorruptVaultException | RuntimeException e) {
      records.forEach(sound -> Arrays.fill(sound, (byte) 0));
      throw e;
    }
    return new Replay(records, at, false, format);
  }

  private static CorruptVaultException damaged(Path path, long offset, int index, String why) {
    return new CorruptVaultException(path + " is damaged at byte " + offset + " (record " + index + ": " + why
        + "); nothing was changed. Keep a copy of it; to open the vault as of its last full write, move the"
        + " journal aside (the changes in it are then lost), or restore both files from a backup");
  }

  /** Where a record lies and whether it is whole, torn (never acknowledged) or damaged. */
  private record Frame(Kind kind, int start, int end, String why) {
    enum Kind { WHOLE, TORN, DAMAGED }
  }

  private static final int CHECKED_HEADER = 2 * Integer.BYTES;

  private static Frame frame(byte[] journal, int at, int index, int format) {
    int headerBytes = format == FORMAT_UNCHECKED ? Integer.BYTES : CHECKED_HEADER;
    if (journal.length - at < headerBytes) {
      return new Frame(Frame.Kind.TORN, at, journal.length, "its header is cut short");
    }
    int length = ByteBuffer.wrap(journal, at, Integer.BYTES).getInt();
    if (format != FORMAT_UNCHECKED && ByteBuffer.wrap(journal, at + Integer.BYTES, Integer.BYTES).getInt() != check(length, index)) {
      return zerosFrom(journal, at) ? new Frame(Frame.Kind.TORN, at, journal.length, "zeros")
          : new Frame(Frame.Kind.DAMAGED, at, journal.length, "its header's check fails");
    }
    if (format == FORMAT_UNCHECKED && zerosFrom(journal, at)) {
      return new Frame(Frame.Kind.TORN, at, journal.length, "zeros");
    }
    if (length < VaultFormat.NONCE_BYTES + VaultFormat.TAG_BYTES || length > MAX_RECORD_BYTES) {
      return new Frame(Frame.Kind.DAMAGED, at, journal.length, "its length " + length + " is out of bounds");
    }
    int start = at + headerBytes;
    if (length > journal.length - start) {
      return new Frame(Frame.Kind.TORN, at, journal.length, "it runs past the end");
    }
    return new Frame(Frame.Kind.WHOLE, start, start + length, null);
  }

  /** Whether the last record's tag is all zeros: its length reached the disk, its data did not. */
  private static boolean tagUnwritten(byte[] journal, Frame frame) {
    for (int i = frame.end() - VaultFormat.TAG_BYTES; i < frame.end(); i++) {
      if (journal[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean zerosFrom(byte[] journal, int at) {
    for (int i = at; i < journal.length; i++) {
      if (journal[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** A record header's check: CRC32C of its length and its index. */
  static int check(int length, int index) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(2 * Integer.BYTES).putInt(length).putInt(index).flip());
    return (int) crc.getValue();
  }

  /** Starts an empty journal for the vault file sealed with {@code snapshotNonce}, atomically. */
  static long reset(Path path, byte[] snapshotNonce) throws IOException {
    DurableFile.replace(path, header(snapshotNonce));
    return HEADER_BYTES;
  }

  /**
   * Cuts a torn tail off, durably, so that appends follow the last sound record; the file as it
   * was is first kept aside ({@code vault.journal.damaged-TIME}), since nothing is cut unseen.
   */
  static void truncate(Path path, long soundBytes) throws IOException {
    Path aside = path.resolveSibling(path.getFileName() + ".damaged-"
        + Instant.now().toString().replace(":", ""));
    Files.copy(path, aside, StandardCopyOption.COPY_ATTRIBUTES);
    Logger.getLogger(Journal.class.getName()).warning("the journal " + path
        + " ended in a torn append (a crash before it was acknowledged): cut at byte " + soundBytes
        + "; the file as it was is kept as " + aside);
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
      out = ByteBuffer.allocate(CHECKED_HEADER + sealedBytes);
      out.putInt(sealedBytes).putInt(check(sealedBytes, index)).put(nonce);
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

  /** The plaintext of a whole record, or null when it does not open. */
  private static byte[] open(byte[] journal, Frame frame, byte[] header, int index, byte[] key) {
    byte[] nonce = Arrays.copyOfRange(journal, frame.start(), frame.start() + VaultFormat.NONCE_BYTES);
    try {
      Cipher gcm = VaultFormat.gcm(Cipher.DECRYPT_MODE, key, nonce, associatedData(header, index));
      int sealed = frame.end() - frame.start();
      return gcm.doFinal(journal, frame.start() + nonce.length, sealed - nonce.length);
    } catch (AEADBadTagException altered) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every JDK and cannot fail to decrypt", e);
    }
  }

  private static byte[] header(byte[] snapshotNonce) {
    return ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).put((byte) FORMAT_VERSION).put(snapshotNonce).array();
  }

  private static byte[] associatedData(byte[] header, int index) {
    return ByteBuffer.allocate(header.length + Integer.BYTES).put(header).putInt(index).array();
  }
}
