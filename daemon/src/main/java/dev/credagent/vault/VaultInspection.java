package dev.credagent.vault;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** What {@code doctor} can tell of a vault's files without the passphrase ({@link Vault#inspect}). */
final class VaultInspection {
  private VaultInspection() {}

  /**
   * What can be told of the vault file at {@code file} and its journal without the passphrase,
   * for {@code doctor}: null when both look sound (or there are none), else what is wrong and where.
   */
  static String inspect(Path file) throws IOException {
    byte[] sealedBytes = VaultFiles.readIfThere(file);
    if (sealedBytes == null) {
      return null;
    }
    VaultFormat.Sealed sealed;
    try {
      sealed = VaultFormat.parse(sealedBytes);
    } catch (CorruptVaultException e) {
      return file + ": " + e.reason();
    }
    Path slots = KeySlots.pathFor(file);
    byte[] slotsBytes = VaultFiles.readIfThere(slots);
    if (slotsBytes == null && !sealed.keySpec().headerWayIn()) {
      return slots + " is missing, and only its key slots open " + file + ": restore it from a backup";
    }
    if (slotsBytes != null) {
      try {
        KeySlots.decode(slots, slotsBytes);
      } catch (CorruptVaultException damaged) {
        return damaged.reason();
      }
    }
    Path journal = Journal.pathFor(file);
    byte[] journalBytes = VaultFiles.readIfThere(journal);
    if (journalBytes == null) {
      return null;
    }
    Journal.Shape shape = Journal.inspect(journalBytes);
    if (shape == null) {
      return journal + " is not a credagent journal";
    }
    boolean foreign = !names(journalBytes, sealed.nonce());
    if (foreign && !sealed.legacy() && !names(journalBytes, sealed.previousNonce())) {
      return journal + " names another vault file than " + file + " (or its header is damaged at byte "
          + (Journal.MAGIC.length + 1) + "); the next unlock will refuse it: keep a copy, and restore both from one backup";
    }
    if (foreign || shape.format() != Journal.FORMAT_VERSION) {
      return null; // stale, ignored at the next unlock, or written anew then
    }
    if (shape.damagedAt() >= 0) {
      return journal + " is damaged at byte " + shape.damagedAt() + " (record " + shape.records() + ": "
          + shape.damage() + "); the next unlock will refuse it: keep a copy, and restore it from a backup";
    }
    return null;
  }

  /** Whether the journal's header names the vault file sealed with {@code nonce}. */
  private static boolean names(byte[] journalBytes, byte[] nonce) {
    return Arrays.equals(journalBytes, Journal.MAGIC.length + 1, Journal.HEADER_BYTES, nonce, 0, nonce.length);
  }
}
