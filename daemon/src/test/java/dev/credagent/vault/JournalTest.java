package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store appends to the journal; what a crash or an attacker can do to the journal. */
class JournalTest {
  private static final String PASSPHRASE = "correct horse";
  @TempDir Path home;
  private Path file;
  private Path journal;
  private Vault vault;

  @BeforeEach
  void createVault() throws Exception {
    file = home.resolve("vault");
    journal = Journal.pathFor(file);
    vault = new Vault(file, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret(PASSPHRASE));
  }

  @Test
  void aStoreAppendsOneRecordAndLeavesTheVaultFileAlone() throws Exception {
    byte[] vaultFile = Files.readAllBytes(file);
    long before = Files.size(journal);
    vault.store("r1", credential("u1", "s1"));
    assertArrayEquals(vaultFile, Files.readAllBytes(file));
    assertTrue(Files.size(journal) > before);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)));
  }

  @Test
  void everyKindOfChangeSurvivesAReopenThroughTheJournal() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    vault.store("r2", credential("u2", "s2"));
    vault.store("r1", credential("u1b", "s1b"));
    vault.erase("r2");
    vault.apply(List.of(new Vault.Put("r3", credential("u3", "s3")), new Vault.Remove("r3"),
        new Vault.Put("r4", credential("u4", "s4"))));
    vault.putSource("ecr", "{\"command\":[\"a\"]}");
    vault.putSource("gone", "x");
    vault.removeSource("gone");
    Vault reopened = reopen();
    assertEquals(Map.of("r1", "u1b", "r4", "u4"), reopened.list());
    assertArrayEquals("s1b".toCharArray(), reopened.get("r1").secret().toChars());
    assertEquals(Map.of("ecr", "{\"command\":[\"a\"]}"), reopened.sources());
  }

  @Test
  void aTornLastRecordIsDroppedAndLaterStoresFollowTheLastSoundOne() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    long sound = Files.size(journal);
    vault.store("r2", credential("u2", "s2"));
    truncate(journal, Files.size(journal) - 5); // a crash in the middle of the second append
    Vault reopened = reopen();
    assertEquals(Map.of("r1", "u1"), reopened.list());
    assertEquals(sound, Files.size(journal));
    reopened.store("r3", credential("u3", "s3"));
    assertEquals(Map.of("r1", "u1", "r3", "u3"), reopen().list());
  }

  @Test
  void zerosAfterTheLastRecordAreATornAppendToo() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    Files.write(journal, new byte[300], StandardOpenOption.APPEND);
    assertEquals(Map.of("r1", "u1"), reopen().list());
  }

  @Test
  void anAlteredRecordWithRecordsAfterItIsRefused() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    vault.store("r2", credential("u2", "s2"));
    byte[] bytes = Files.readAllBytes(journal);
    bytes[Journal.HEADER_BYTES + 20] ^= 1;
    Files.write(journal, bytes);
    CorruptVaultException e = assertThrows(CorruptVaultException.class, this::reopen);
    assertTrue(e.getMessage().contains("record 0"), e.getMessage());
  }

  @Test
  void recordsCannotBeReordered() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    vault.erase("r1");
    byte[] bytes = Files.readAllBytes(journal);
    int first = 2 * Integer.BYTES + ByteBuffer.wrap(bytes, Journal.HEADER_BYTES, 4).getInt();
    byte[] swapped = new byte[bytes.length];
    System.arraycopy(bytes, 0, swapped, 0, Journal.HEADER_BYTES);
    int second = bytes.length - Journal.HEADER_BYTES - first;
    System.arraycopy(bytes, Journal.HEADER_BYTES + first, swapped, Journal.HEADER_BYTES, second);
    System.arraycopy(bytes, Journal.HEADER_BYTES, swapped, Journal.HEADER_BYTES + second, first);
    Files.write(journal, swapped);
    assertThrows(CorruptVaultException.class, this::reopen);
  }

  @Test
  void theJournalIsFoldedIntoANewVaultFileOnceItOutgrowsIt() throws Exception {
    byte[] vaultFile = Files.readAllBytes(file);
    String padding = "x".repeat(1000);
    int stores = 0;
    while (Arrays.equals(vaultFile, Files.readAllBytes(file))) {
      vault.store("r" + stores, credential("u", padding + stores));
      stores++;
      assertTrue(stores < 200, "never folded");
    }
    assertTrue(stores > VaultFiles.FOLD_FLOOR_BYTES / 1100, "folded after " + stores);
    assertEquals(Journal.HEADER_BYTES, Files.size(journal));
    Vault reopened = reopen();
    assertEquals(stores, reopened.size());
    assertArrayEquals((padding + (stores - 1)).toCharArray(), reopened.get("r" + (stores - 1)).secret().toChars());
  }

  @Test
  void aCrashBetweenTheNewVaultFileAndTheJournalResetAppliesNothingTwice() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    byte[] staleJournal = Files.readAllBytes(journal);
    // Fold by hand: a big store makes the next write rewrite the vault file.
    vault.store("big", credential("u", "y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES)));
    vault.erase("r1");
    assertEquals(Journal.HEADER_BYTES, Files.size(journal));
    Files.write(journal, staleJournal); // as if the crash came before the reset
    Vault reopened = reopen();
    assertEquals(Map.of("big", "u"), reopened.list());
    assertEquals(Journal.HEADER_BYTES, Files.size(journal));
  }

  @Test
  void aVaultWithoutAJournalOpensAndGetsOne() throws Exception {
    vault.store("r1", credential("u1", "s1"));
    vault.store("big", credential("u", "y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES)));
    vault.store("r2", credential("u2", "s2")); // folds: everything is in the vault file now
    Files.delete(journal); // as a vault written before journals were
    Vault reopened = reopen();
    assertEquals(3, reopened.size());
    reopened.store("r3", credential("u3", "s3"));
    assertEquals(4, reopen().size());
  }

  /** Ten stores, one at a time, as the adversarial round made them. */
  private void storeTen() throws Exception {
    for (int i = 0; i < 10; i++) {
      vault.store("r" + i, credential("u" + i, "s" + i));
    }
  }

  @Test
  void aFlippedLengthBitRefusesTheUnlockNamingTheFileAndOffsetAndCutsNothing() throws Exception {
    storeTen();
    byte[] bytes = Files.readAllBytes(journal);
    bytes[18] ^= 0x01; // record 0's length
    Files.write(journal, bytes);
    CorruptVaultException e = assertThrows(CorruptVaultException.class, this::reopen);
    assertTrue(e.getMessage().contains(journal.toString()) && e.getMessage().contains("byte 17"), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(journal), "nothing cut or rewritten");
    assertEquals(List.of(), leftAside());
  }

  @Test
  void aFlippedCiphertextBitInTheLastWholeRecordIsDamageNotATornTail() throws Exception {
    storeTen();
    byte[] bytes = Files.readAllBytes(journal);
    bytes[bytes.length - 20] ^= 0x01;
    Files.write(journal, bytes);
    CorruptVaultException e = assertThrows(CorruptVaultException.class, this::reopen);
    assertTrue(e.getMessage().contains("record 9"), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(journal));
  }

  @Test
  void aTornTailIsKeptAsideBeforeItIsCut() throws Exception {
    storeTen();
    long whole = Files.size(journal);
    truncate(journal, whole - 3);
    byte[] torn = Files.readAllBytes(journal);
    assertEquals(9, reopen().size());
    List<Path> aside = leftAside();
    assertEquals(1, aside.size(), aside.toString());
    assertArrayEquals(torn, Files.readAllBytes(aside.getFirst()));
  }

  @Test
  void aLastRecordWhoseDataNeverReachedTheDiskIsATornTail() throws Exception {
    storeTen();
    byte[] bytes = Files.readAllBytes(journal);
    Arrays.fill(bytes, bytes.length - 40, bytes.length, (byte) 0); // the size grew, the data is zeros
    Files.write(journal, bytes);
    assertEquals(9, reopen().size());
  }

  @Test
  void theShapeOfAJournalIsToldWithoutTheKey() throws Exception {
    storeTen();
    byte[] bytes = Files.readAllBytes(journal);
    assertEquals(new Journal.Shape(2, 10, -1, -1, null), Journal.inspect(bytes));
    bytes[18] ^= 0x01;
    Journal.Shape damaged = Journal.inspect(bytes);
    assertEquals(17, damaged.damagedAt());
    Journal.Shape torn = Journal.inspect(Arrays.copyOf(Files.readAllBytes(journal), (int) Files.size(journal) - 3));
    assertEquals(9, torn.records());
    assertTrue(torn.tornAt() > 0);
  }

  private List<Path> leftAside() throws Exception {
    try (var files = Files.list(home)) {
      return files.filter(p -> p.getFileName().toString().startsWith("vault.journal.damaged-")).toList();
    }
  }

  private Vault reopen() throws Exception {
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    reopened.unlock(TestKdf.secret(PASSPHRASE));
    return reopened;
  }

  private static Credential credential(String username, String secret) {
    return new Credential(username, TestKdf.secret(secret));
  }

  private static void truncate(Path path, long size) throws Exception {
    try (var channel = java.nio.channels.FileChannel.open(path, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
  }
}
