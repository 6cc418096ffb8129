package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The vault's persistence policy: a change is one sealed record appended to the journal and one
 * fdatasync; once the journal outgrows the vault file (and {@link #FOLD_FLOOR_BYTES}), the whole
 * vault is written anew and the journal starts again; at an unlock a torn tail a crash left is cut
 * off. What is in the files is {@link VaultFormat}'s, {@link Journal}'s and {@link JournalRecord}'s
 * to say; when to write what is this class's.
 */
final class VaultFiles {
  /**
   * The journal may grow to the vault file's size (and this much at least) before a write folds it
   * into a new vault file: each byte stored is then rewritten about twice, however large the vault.
   */
  static final long FOLD_FLOOR_BYTES = 64 << 10;

  private final Path file;
  private final Path journal;
  private final SecureRandom random;

  VaultFiles(Path file, Path journal, SecureRandom random) {
    this.file = file;
    this.journal = journal;
    this.random = random;
  }

  /**
   * The vault file's nonce (which names it: the journal records which file it extends) and size, and
   * the journal's sound length and record count.
   */
  record OnDisk(byte[] snapshotNonce, long snapshotBytes, long journalBytes, int records) {
    OnDisk appended(long length) {
      return new OnDisk(snapshotNonce, snapshotBytes, length, records + 1);
    }

    boolean foldDue() {
      return journalBytes > Math.max(FOLD_FLOOR_BYTES, snapshotBytes);
    }
  }

  OnDisk settle(OnDisk disk, Journal.Replay replay) throws IOException {
    if (replay == null) {
      return new OnDisk(disk.snapshotNonce(), disk.snapshotBytes(), Journal.reset(journal, disk.snapshotNonce()), 0);
    }
    if (replay.tornTail()) {
      Journal.truncate(journal, replay.soundBytes());
    }
    return new OnDisk(disk.snapshotNonce(), disk.snapshotBytes(), replay.soundBytes(), replay.records().size());
  }

  /** One sealed record at the end of the journal and one fdatasync: a store's usual cost. */
  OnDisk append(OnDisk disk, VaultKey vaultKey, List<? extends Vault.Change> changes) throws IOException, VaultLockedException {
    byte[] key = vaultKey.copy();
    byte[] plaintext = null;
    try {
      plaintext = JournalRecord.encode(changes);
      return disk.appended(Journal.append(journal, disk.journalBytes(), disk.snapshotNonce(), disk.records(), key,
          plaintext, random));
    } catch (Secret.DestroyedSecretException lockedWhileEncoding) {
      throw new VaultLockedException();
    } finally {
      Arrays.fill(key, (byte) 0);
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  /**
   * Writes all of the vault as a new vault file, then starts an empty journal for it (the old
   * journal goes stale the moment the new file is in place, so a crash between the two is safe:
   * the new file names {@code previousNonce}, the file the journal on disk extends, as the one it
   * replaced; null when there is none).
   */
  OnDisk writeWhole(VaultFormat.KeySpec keySpec, VaultKey vaultKey, SortedMap<String, Credential> credentials,
      Map<String, String> sources, byte[] previousNonce) throws IOException, VaultLockedException {
    byte[] key = vaultKey.copy();
    byte[] plaintext = null;
    try {
      plaintext = VaultBody.encode(credentials, sources);
      byte[] nonce = VaultFormat.freshNonce(random);
      byte[] sealed = VaultFormat.seal(keySpec, key, plaintext, nonce, previousNonce);
      DurableFile.replace(file, sealed);
      return new OnDisk(nonce, sealed.length, Journal.reset(journal, nonce), 0);
    } catch (Secret.DestroyedSecretException lockedWhileEncoding) {
      throw new VaultLockedException();
    } finally {
      Arrays.fill(key, (byte) 0);
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  /** The file's bytes, or null where there is none; refused at once where it is no regular file. */
  static byte[] readIfThere(Path path) throws IOException {
    try {
      // A FIFO would block the read (and the unlock thread behind it) forever; a device or a
      // directory is no vault file either. A symlink to a regular file is read as that file.
      if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
        throw new IOException(path + " is not a regular file (a FIFO, a device or a directory): move it aside and"
            + " restore the file from a backup");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException absent) {
      return null;
    }
  }

  /** Moves {@code path}, if it is there, to {@code PATH.WHY-TIME} beside it, and says so in the log. */
  static void keepAside(Path path, String why) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      Path aside = path.resolveSibling(path.getFileName() + "." + why + "-" + Instant.now().toString().replace(":", ""));
      Files.move(path, aside);
      java.util.logging.Logger.getLogger(Vault.class.getName()).warning(path + " had no vault file beside it; kept as " + aside);
    }
  }
}
