package dev.credagent.vault;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;

/**
 * The vault file opened: its key found through the {@link KeyRing}, its body decrypted and its
 * journal's records applied. Opens; publishes nothing (the {@link Vault} does, under its locks).
 */
final class VaultOpener {
  private final Path file;
  private final Path journal;
  private final KeyRing ring;

  VaultOpener(Path file, Path journal, KeyRing ring) {
    this.file = file;
    this.journal = journal;
    this.ring = ring;
  }

  /** The vault file's bytes parsed; damage names the file. */
  VaultFormat.Sealed parse(byte[] sealedBytes) throws CorruptVaultException {
    try {
      return VaultFormat.parse(sealedBytes);
    } catch (CorruptVaultException unreadable) {
      throw new CorruptVaultException(file + ": " + unreadable.reason());
    }
  }

  /** An opened vault file with its journal applied, and what was in the journal. */
  record Opened(VaultSession session, Journal.Replay replay, boolean throughHeader) {}

  Opened open(VaultFormat.Sealed sealed, byte[] journalBytes, byte[] slotsBytes, byte[] passphrase,
      KeySlots.Kind only) throws VaultException {
    KeyRing.WayIn way = ring.dataKey(sealed.keySpec(), slotsBytes, passphrase, only, sealed.keyCheck());
    return open(sealed, journalBytes, way.key(), way.throughHeader());
  }

  /** The same with the data key known ({@code key}, which this takes ownership of). */
  Opened open(VaultFormat.Sealed sealed, byte[] journalBytes, byte[] key, boolean throughHeader)
      throws VaultException {
    byte[] plaintext;
    try {
      plaintext = VaultFormat.open(sealed, key);
    } catch (CorruptVaultException damaged) {
      Arrays.fill(key, (byte) 0);
      throw new CorruptVaultException(file + ": " + damaged.reason());
    }
    if (plaintext == null) {
      Arrays.fill(key, (byte) 0);
      throw new WrongPassphraseException();
    }
    VaultBody.Contents contents = null;
    Journal.Replay replay = null;
    try {
      contents = VaultBody.decode(plaintext);
      replay = Journal.read(journal, journalBytes, sealed.nonce(), sealed.previousNonce(), key);
      if (replay != null) {
        for (byte[] record : replay.records()) {
          JournalRecord.apply(record, contents);
        }
      }
      return new Opened(new VaultSession(sealed.keySpec(), new VaultKey(key), Collections.unmodifiableSortedMap(contents.credentials()),
          Collections.unmodifiableMap(contents.sources()), null), replay, throughHeader);
    } catch (CorruptVaultException | RuntimeException e) {
      Arrays.fill(key, (byte) 0);
      if (contents != null) {
        contents.credentials().values().forEach(credential -> credential.secret().destroy());
      }
      throw e;
    } finally {
      Arrays.fill(plaintext, (byte) 0);
      if (replay != null) {
        replay.records().forEach(record -> Arrays.fill(record, (byte) 0));
      }
    }
  }
}
