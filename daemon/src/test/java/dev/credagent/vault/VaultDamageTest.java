package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every single flipped bit at the start of the vault's files, one unlock each: the unlock refuses
 * and every file is as it was, or it opens with every credential. Nothing in between: never a
 * journal judged stale and reset because its header was damaged.
 */
class VaultDamageTest {
  private static final String PASSPHRASE = "correct horse";
  private static final int CREDENTIALS = 10;

  @TempDir Path home;
  private Path original;

  @BeforeEach
  void fillAVault() throws Exception {
    original = home.resolve("original").resolve("vault");
    Files.createDirectories(original.getParent());
    Vault vault = new Vault(original, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret(PASSPHRASE));
    vault.store("big", new Credential("u", TestKdf.secret("y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    for (int i = 0; i < CREDENTIALS; i++) { // the first folds "big" into the vault file; the rest go to the journal
      vault.store("r" + i + ".example", new Credential("user" + i, TestKdf.secret("secret-" + i)));
    }
    vault.lock();
    assertTrue(Files.size(Journal.pathFor(original)) > 64, "the journal holds records");
  }

  @Test
  void aFlippedBitInTheFirst64BytesOfTheVaultOrItsJournalIsRefusedOrLosesNothing() throws Exception {
    List<String> lost = new ArrayList<>();
    for (Path damaged : List.of(original, Journal.pathFor(original))) {
      // The first 64 bytes, and all of the vault file's header (91 bytes) with its previous nonce and digest.
      int bytes = damaged.equals(original) ? 96 : 64;
      for (int bit = 0; bit < bytes * 8; bit++) {
        String outcome = flipAndUnlock(damaged.getFileName().toString(), bit);
        if (outcome != null) {
          lost.add(damaged.getFileName() + " bit " + bit + ": " + outcome);
        }
      }
    }
    assertEquals(List.of(), lost);
  }

  /**
   * A FIFO in place of any of the three files hung the unlock thread in a read that never ends (every
   * unlock and passwd after it waited behind it); a directory or a device is no vault file either.
   * Each is refused at once, the file named, and nothing else is touched.
   */
  @Test
  void aFifoOrADirectoryInPlaceOfAVaultFileIsRefusedAtOnce() throws Exception {
    for (String name : List.of("vault", "vault.journal", "vault.slots")) {
      for (String kind : List.of("fifo", "directory")) {
        Path dir = home.resolve(name + "-" + kind);
        Files.createDirectories(dir);
        Path vaultFile = dir.resolve("vault");
        for (Path each : List.of(original, Journal.pathFor(original), KeySlots.pathFor(original))) {
          Files.copy(each, dir.resolve(each.getFileName()));
        }
        Path hostile = dir.resolve(name);
        Files.delete(hostile);
        if (kind.equals("fifo")) {
          assertEquals(0, new ProcessBuilder("mkfifo", hostile.toString()).start().waitFor());
        } else {
          Files.createDirectory(hostile);
        }
        Exception refused = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
            () -> org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> new Vault(vaultFile, TestKdf.CHEAP).unlock(TestKdf.secret(PASSPHRASE))), name + " " + kind);
        assertTrue(refused.getMessage().contains(hostile.toString()) && refused.getMessage().contains("not a regular file"),
            name + " " + kind + ": " + refused);
      }
    }
  }

  /**
   * An older vault file swapped in (a rollback from a backup of the file alone) beside an empty
   * journal opened silently with every credential since its time gone: the journal held no record,
   * so it was taken for stale, though its header names a newer vault file, which is proof that the
   * one beside it is not the newest. Refused, the files unchanged, as when the journal holds records.
   */
  @Test
  void anOlderVaultFileBesideTheEmptyJournalOfANewerOneIsRefused() throws Exception {
    Path vaultFile = home.resolve("rollback").resolve("vault");
    Files.createDirectories(vaultFile.getParent());
    Vault vault = new Vault(vaultFile, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret(PASSPHRASE));
    vault.store("big", new Credential("u", TestKdf.secret("y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    vault.store("a.example", new Credential("u", TestKdf.secret("a"))); // folds: the journal is empty
    byte[] older = Files.readAllBytes(vaultFile);
    vault.store("b.example", new Credential("u", TestKdf.secret("b")));
    vault.store("big2", new Credential("u", TestKdf.secret("z".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    for (int i = 0; java.util.Arrays.equals(Files.readAllBytes(vaultFile), older); i++) {
      vault.store("c" + i + ".example", new Credential("u", TestKdf.secret("c")));
    }
    vault.lock();
    assertEquals(Journal.HEADER_BYTES, Files.size(Journal.pathFor(vaultFile)), "folded: the journal holds no record");
    Files.write(vaultFile, older);
    byte[] journal = Files.readAllBytes(Journal.pathFor(vaultFile));
    try {
      Vault opened = new Vault(vaultFile, TestKdf.CHEAP);
      opened.unlock(TestKdf.secret(PASSPHRASE));
      fail("an older vault file opened beside a newer one's journal, with " + opened.list().keySet());
    } catch (CorruptVaultException refused) {
      assertTrue(refused.getMessage().contains(Journal.pathFor(vaultFile).toString()), refused.getMessage());
    }
    assertArrayEquals(older, Files.readAllBytes(vaultFile));
    assertArrayEquals(journal, Files.readAllBytes(Journal.pathFor(vaultFile)));
    String doctor = Vault.inspect(vaultFile);
    assertTrue(doctor != null && doctor.contains("names another vault file"), doctor);
  }

  @Test
  void theJournalOfAnotherVaultFileIsRefusedNotReset() throws Exception {
    Path vaultFile = home.resolve("vault");
    Vault vault = new Vault(vaultFile, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret(PASSPHRASE));
    vault.store("a", new Credential("u", TestKdf.secret("s")));
    byte[] olderFile = Files.readAllBytes(vaultFile);
    vault.store("big", new Credential("u", TestKdf.secret("y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    vault.store("b", new Credential("u", TestKdf.secret("s"))); // folds
    vault.store("c", new Credential("u", TestKdf.secret("s"))); // in the new journal only
    vault.lock();
    Files.write(vaultFile, olderFile); // an older vault file restored beside a newer journal
    byte[] journal = Files.readAllBytes(Journal.pathFor(vaultFile));
    CorruptVaultException refused = org.junit.jupiter.api.Assertions.assertThrows(CorruptVaultException.class,
        () -> new Vault(vaultFile, TestKdf.CHEAP).unlock(TestKdf.secret(PASSPHRASE)));
    assertTrue(refused.getMessage().contains(Journal.pathFor(vaultFile).toString()), refused.getMessage());
    assertArrayEquals(journal, Files.readAllBytes(Journal.pathFor(vaultFile)));
    assertArrayEquals(olderFile, Files.readAllBytes(vaultFile));
  }

  @Test
  void aFlippedBitInTheJournalsNonceIsReportedAtItsOffset() throws Exception {
    Path journal = Journal.pathFor(original);
    byte[] bytes = Files.readAllBytes(journal);
    bytes[9] ^= 4;
    Files.write(journal, bytes);
    CorruptVaultException refused = org.junit.jupiter.api.Assertions.assertThrows(CorruptVaultException.class,
        () -> new Vault(original, TestKdf.CHEAP).unlock(TestKdf.secret(PASSPHRASE)));
    assertTrue(refused.getMessage().contains(journal + " is damaged at byte 5"), refused.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(journal));
  }

  /** A vault and journal as the format before wrote them (no previous nonce, no digest) open, stale journal or not. */
  @Test
  void aVaultAndJournalOfTheFormerFormatStillOpen() throws Exception {
    Path vaultFile = home.resolve("former").resolve("vault");
    Files.createDirectories(vaultFile.getParent());
    VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(TestKdf.CHEAP, new java.security.SecureRandom());
    byte[] key = spec.params().deriveKey(PASSPHRASE.getBytes(java.nio.charset.StandardCharsets.UTF_8), spec.salt());
    byte[] body = VaultBody.encode(new TreeMap<>(Map.of("in-file", new Credential("u", TestKdf.secret("s1")))), Map.of());
    byte[] file = VaultFormatTest.formatTwo(spec, key, body);
    Files.write(vaultFile, file);
    byte[] nonce = VaultFormat.parse(file).nonce();
    Path journal = Journal.pathFor(vaultFile);
    long length = Journal.reset(journal, nonce);
    Journal.append(journal, length, nonce, 0, key,
        JournalRecord.encode(List.of(new Vault.Put("in-journal", new Credential("u", TestKdf.secret("s2"))))),
        new java.security.SecureRandom());
    byte[] journalBytes = Files.readAllBytes(journal);

    Vault opened = new Vault(vaultFile, TestKdf.CHEAP);
    opened.unlock(TestKdf.secret(PASSPHRASE));
    assertEquals(Map.of("in-file", "u", "in-journal", "u"), opened.list());
    opened.lock();
    assertEquals(2, sizeOpened(vaultFile));
    assertEquals(VaultFormat.FORMAT_VERSION, Files.readAllBytes(vaultFile)[4], "written anew in the current format");

    // As a crash in a fold of the former format left it: a new file, the journal of the one before.
    Files.write(vaultFile, VaultFormatTest.formatTwo(spec, key, VaultBody.encode(new TreeMap<>(Map.of(
        "in-file", new Credential("u", TestKdf.secret("s1")), "in-journal", new Credential("u", TestKdf.secret("s2")))),
        Map.of())));
    Files.write(journal, journalBytes);
    Files.deleteIfExists(KeySlots.pathFor(vaultFile));
    assertEquals(2, sizeOpened(vaultFile));
  }

  /** Null when the unlock refused and changed nothing, or opened with everything; else what went wrong. */
  private String flipAndUnlock(String name, int bit) throws Exception {
    Path dir = home.resolve(name + "-" + bit);
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(original.getParent())) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    Path target = dir.resolve(name);
    byte[] bytes = Files.readAllBytes(target);
    bytes[bit / 8] ^= (byte) (1 << (bit % 8));
    Files.write(target, bytes);
    Map<String, byte[]> before = contents(dir);
    Vault vault = new Vault(dir.resolve("vault"), TestKdf.CHEAP);
    try {
      vault.unlock(TestKdf.secret(PASSPHRASE));
    } catch (VaultException refused) {
      Map<String, byte[]> after = contents(dir);
      if (!before.keySet().equals(after.keySet())) {
        return "refused (" + refused.getMessage() + ") but the files are now " + after.keySet();
      }
      for (Map.Entry<String, byte[]> file : before.entrySet()) {
        if (!java.util.Arrays.equals(file.getValue(), after.get(file.getKey()))) {
          return "refused (" + refused.getMessage() + ") but " + file.getKey() + " changed";
        }
      }
      return null;
    }
    if (vault.size() != CREDENTIALS + 1) {
      return "opened with " + vault.size() + " of " + (CREDENTIALS + 1) + " credentials";
    }
    for (int i = 0; i < CREDENTIALS; i++) {
      assertArrayEquals(("secret-" + i).toCharArray(), vault.get("r" + i + ".example").secret().toChars());
    }
    return null;
  }

  private static int sizeOpened(Path vaultFile) throws Exception {
    Vault vault = new Vault(vaultFile, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret(PASSPHRASE));
    return vault.size();
  }

  private static Map<String, byte[]> contents(Path dir) throws Exception {
    Map<String, byte[]> all = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        all.put(file.getFileName().toString(), Files.readAllBytes(file));
      }
    }
    return all;
  }
}
