package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultTest {
  @TempDir Path home;
  private Path file;
  private Vault vault;

  @BeforeEach
  void createVault() throws Exception {
    file = home.resolve("vault");
    vault = new Vault(file, TestKdf.CHEAP);
    assertEquals(Vault.Unlocked.CREATED, vault.unlock(TestKdf.secret("correct horse")));
  }

  @Test
  void aNewVaultIsWrittenOwnerOnlyAtOnce() throws Exception {
    assertTrue(Files.exists(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(0, vault.size());
  }

  @Test
  void storedCredentialsSurviveANewProcessWithThePassphrase() throws Exception {
    vault.store("registry.example.com:5000", new Credential("alice", TestKdf.secret("pa\"ss\\word 😀\n")));
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    assertEquals(Vault.Unlocked.OPENED, reopened.unlock(TestKdf.secret("correct horse")));
    Credential credential = reopened.get("registry.example.com:5000");
    assertEquals("alice", credential.username());
    assertArrayEquals("pa\"ss\\word 😀\n".toCharArray(), credential.secret().toChars());
  }

  @Test
  void nothingSecretIsReadableInTheFile() throws Exception {
    vault.store("registry.example.com", new Credential("alice-the-user", TestKdf.secret("hunter2-secret")));
    String onDisk = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
        + new String(Files.readAllBytes(Journal.pathFor(file)), StandardCharsets.ISO_8859_1);
    assertFalse(onDisk.contains("hunter2-secret"));
    assertFalse(onDisk.contains("alice-the-user"));
    assertFalse(onDisk.contains("registry.example.com"));
  }

  @Test
  void aWrongPassphraseOpensNothingAndChangesNothing() throws Exception {
    vault.store("r", new Credential("u", TestKdf.secret("s")));
    byte[] before = Files.readAllBytes(file);
    Vault other = new Vault(file, TestKdf.CHEAP);
    assertThrows(WrongPassphraseException.class, () -> other.unlock(TestKdf.secret("wrong")));
    assertFalse(other.isUnlocked());
    assertArrayEquals(before, Files.readAllBytes(file));
  }

  @Test
  void unlockingAnUnlockedVaultStillChecksThePassphrase() throws Exception {
    assertThrows(WrongPassphraseException.class, () -> vault.unlock(TestKdf.secret("wrong")));
    assertTrue(vault.isUnlocked());
    assertEquals(Vault.Unlocked.ALREADY, vault.unlock(TestKdf.secret("correct horse")));
  }

  @Test
  void lockDropsEverythingAndWipesTheSecretsHeld() throws Exception {
    Secret secret = TestKdf.secret("s3cret");
    vault.store("r", new Credential("u", secret));
    vault.lock();
    assertTrue(secret.isDestroyed());
    VaultLockedException e = assertThrows(VaultLockedException.class, () -> vault.get("r"));
    assertTrue(e.getMessage().contains("locked") && e.getMessage().contains("credagent unlock"), e.getMessage());
    assertThrows(VaultLockedException.class, () -> vault.store("r", new Credential("u", TestKdf.secret("x"))));
    assertThrows(VaultLockedException.class, vault::list);
  }

  @Test
  void storingTheSameServerReplacesItEvenWithAnotherUsername() throws Exception {
    vault.store("r", new Credential("alice", TestKdf.secret("one")));
    vault.store("r", new Credential("bob", TestKdf.secret("two")));
    assertEquals(Map.of("r", "bob"), vault.list());
    assertArrayEquals("two".toCharArray(), vault.get("r").secret().toChars());
  }

  @Test
  void serversAreKeyedByTheirExactString() throws Exception {
    vault.store("https://index.docker.io/v1/", new Credential("u", TestKdf.secret("s")));
    assertThrows(CredentialNotFoundException.class, () -> vault.get("index.docker.io"));
  }

  @Test
  void eraseRemovesForGoodAndTellsWhenThereWasNothing() throws Exception {
    vault.store("r", new Credential("u", TestKdf.secret("s")));
    vault.erase("r");
    assertThrows(CredentialNotFoundException.class, () -> vault.get("r"));
    assertThrows(CredentialNotFoundException.class, () -> vault.erase("r"));
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    reopened.unlock(TestKdf.secret("correct horse"));
    assertEquals(0, reopened.size());
  }

  @Test
  void aDamagedFileIsNeverOverwrittenByUnlock() throws Exception {
    Files.write(file, "garbage".getBytes(StandardCharsets.UTF_8));
    Vault damaged = new Vault(file, TestKdf.CHEAP);
    assertThrows(CorruptVaultException.class, () -> damaged.unlock(TestKdf.secret("correct horse")));
    assertEquals("garbage", Files.readString(file));
  }

  @Test
  void aFlippedBitInTheVaultFileIsReportedAsDamageNotAsAWrongPassphrase() throws Exception {
    vault.store("r", new Credential("u", TestKdf.secret("s")));
    vault.store("big", new Credential("u", TestKdf.secret("y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    vault.store("r2", new Credential("u", TestKdf.secret("s"))); // folded: the vault file holds them
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 30] ^= 1;
    Files.write(file, bytes);
    Vault damaged = new Vault(file, TestKdf.CHEAP);
    CorruptVaultException e = assertThrows(CorruptVaultException.class, () -> damaged.unlock(TestKdf.secret("correct horse")));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("damaged"), e.getMessage());
    assertThrows(WrongPassphraseException.class, () -> damaged.unlock(TestKdf.secret("wrong")));
    assertArrayEquals(bytes, Files.readAllBytes(file));
  }

  @Test
  void aVaultOfTheFormerFormatOpensAndIsWrittenAnewInTheCurrentOne() throws Exception {
    VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(TestKdf.CHEAP, new java.security.SecureRandom());
    byte[] key = spec.params().deriveKey("correct horse".getBytes(StandardCharsets.UTF_8), spec.salt());
    byte[] body = VaultBody.encode(new java.util.TreeMap<>(java.util.Map.of("old", new Credential("u", TestKdf.secret("s")))),
        java.util.Map.of());
    Files.write(file, VaultFormatTest.formatOne(spec, key, body));
    Files.delete(Journal.pathFor(file));
    Files.delete(KeySlots.pathFor(file)); // a vault from before key slots: its header's salt derives its key
    Vault old = new Vault(file, TestKdf.CHEAP);
    old.unlock(TestKdf.secret("correct horse"));
    assertEquals(java.util.Map.of("old", "u"), old.list());
    VaultFormat.Sealed written = VaultFormat.parse(Files.readAllBytes(file));
    assertFalse(written.legacy(), "written anew with a key check");
    assertFalse(written.keySpec().headerWayIn(), "a passphrase slot opens it now, and only the slots do");
    assertEquals(Journal.FORMAT_VERSION, Files.readAllBytes(Journal.pathFor(file))[4]);
    old.lock();
    assertEquals(Vault.Unlocked.OPENED, old.unlock(TestKdf.secret("correct horse")));
    Files.delete(KeySlots.pathFor(file));
    CorruptVaultException noSlots = assertThrows(CorruptVaultException.class,
        () -> new Vault(file, TestKdf.CHEAP).unlock(TestKdf.secret("correct horse")));
    assertTrue(noSlots.getMessage().contains(KeySlots.pathFor(file) + " is missing"), noSlots.getMessage());
  }

  /** Sources go the way credentials go: one apply, one journal record, counted against the limit. */
  @Test
  void sourcesAreChangedThroughTheSameApplyAsCredentials() throws Exception {
    List<VaultException> outcomes = vault.apply(List.of(new Vault.PutSource("ghcr.io", "{\"exec\":[\"gh\"]}"),
        new Vault.Put("r.example", new Credential("u", TestKdf.secret("s"))), new Vault.RemoveSource("nothing.example")));
    assertEquals(null, outcomes.get(0));
    assertEquals(null, outcomes.get(1));
    assertTrue(outcomes.get(2) instanceof CredentialNotFoundException, "removing a source that is not there: " + outcomes);
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    reopened.unlock(TestKdf.secret("correct horse"));
    assertEquals(Map.of("ghcr.io", "{\"exec\":[\"gh\"]}"), reopened.sources());
    assertEquals(1, reopened.size());

    String huge = "d".repeat((int) Vault.MAX_CONTENT_CHARS);
    assertThrows(VaultFullException.class, () -> reopened.putSource("big.example", huge));
    reopened.removeSource("ghcr.io");
    assertThrows(CredentialNotFoundException.class, () -> reopened.removeSource("ghcr.io"));
    Vault again = new Vault(file, TestKdf.CHEAP);
    again.unlock(TestKdf.secret("correct horse"));
    assertEquals(Map.of(), again.sources());
  }

  @Test
  void aFullVaultRefusesTheStorePastItsLimitAndStillUnlocks() throws Exception {
    String secret = "s".repeat(64 * 1024);
    int stored = 0;
    List<VaultException> outcome = List.of();
    while (stored < 1000) {
      outcome = vault.apply(List.of(new Vault.Put("r" + stored, new Credential("u", TestKdf.secret(secret)))));
      if (outcome.getFirst() != null) {
        break;
      }
      stored++;
    }
    assertTrue(outcome.getFirst() instanceof VaultFullException, String.valueOf(outcome));
    assertEquals(Vault.MAX_CONTENT_CHARS / (64 * 1024 + 5), stored, 2);
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    reopened.unlock(TestKdf.secret("correct horse"));
    assertEquals(stored, reopened.size());
    reopened.erase("r0");
    assertEquals(null, reopened.apply(List.of(new Vault.Put("again", new Credential("u", TestKdf.secret(secret))))).getFirst(),
        "an erase makes room");
  }

  @Test
  void getHandsOutACopyThatLockCannotWipe() throws Exception {
    vault.store("r", new Credential("u", TestKdf.secret("s3cret")));
    Credential copy = vault.get("r");
    vault.lock();
    assertArrayEquals("s3cret".toCharArray(), copy.secret().toChars());
  }
}
