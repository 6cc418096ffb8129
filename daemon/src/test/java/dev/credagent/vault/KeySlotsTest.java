package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key slots: a passphrase changed without re-encrypting a credential, a recovery key, a login password. */
class KeySlotsTest {
  @TempDir Path home;
  private Path file;
  private Vault vault;

  @BeforeEach
  void setUp() throws Exception {
    file = home.resolve("vault");
    vault = new Vault(file, TestKdf.CHEAP);
    vault.unlock(TestKdf.secret("old pass"));
    vault.store("r.example", new Credential("alice", TestKdf.secret("s3cret")));
  }

  private Vault reopen(String secret) throws Exception {
    Vault reopened = new Vault(file, TestKdf.CHEAP);
    reopened.unlock(TestKdf.secret(secret));
    return reopened;
  }

  @Test
  void passwdRewrapsTheKeyAndReEncryptsNoCredential() throws Exception {
    byte[] vaultFile = Files.readAllBytes(file);
    byte[] journal = Files.readAllBytes(Journal.pathFor(file));
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    assertArrayEquals(vaultFile, Files.readAllBytes(file), "the vault file is as it was");
    assertArrayEquals(journal, Files.readAllBytes(Journal.pathFor(file)));
    assertThrows(WrongPassphraseException.class, () -> reopen("old pass"), "the old passphrase opens nothing now");
    assertEquals(Map.of("r.example", "alice"), reopen("new pass").list());
    vault.rewrap("passphrase", TestKdf.secret("new pass"), TestKdf.secret("third"));
    assertThrows(WrongPassphraseException.class, () -> reopen("new pass"));
    assertEquals(1, reopen("third").size());
    assertThrows(WrongPassphraseException.class,
        () -> vault.rewrap("passphrase", TestKdf.secret("wrong"), TestKdf.secret("x")), "the old one must be right");
  }

  @Test
  void aRecoveryKeyAndALoginPasswordOpenItTooAndSlotsAreListedAndRemoved() throws Exception {
    vault.addKeySlot("recovery", TestKdf.secret("RECOVERY-KEY"), TestKdf.secret("old pass"));
    vault.addKeySlot("login", TestKdf.secret("login pw"), TestKdf.secret("old pass"));
    assertEquals(1, reopen("RECOVERY-KEY").size());
    assertEquals(1, reopen("login pw").size());
    assertEquals(1, reopen("old pass").size(), "the passphrase's slot, made with the vault");
    assertEquals(List.of("passphrase", "recovery", "login"), vault.keySlots().stream().map(Vault.SlotInfo::kind).toList());
    vault.removeKeySlot(2, TestKdf.secret("old pass"));
    assertThrows(WrongPassphraseException.class, () -> reopen("login pw"));
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> vault.removeKeySlot(0, TestKdf.secret("new pass")));
    assertTrue(last.getMessage().contains("only passphrase slot"), last.getMessage());
    assertEquals(1, reopen("RECOVERY-KEY").size(), "the recovery key still opens it after passwd");
  }

  @Test
  void aTamperedSlotOpensNothing() throws Exception {
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    Path slots = KeySlots.pathFor(file);
    byte[] bytes = Files.readAllBytes(slots);
    bytes[7] ^= 1; // the slot's cost: bound into the wrapped key's tag
    Files.write(slots, bytes);
    assertThrows(VaultException.class, () -> reopen("new pass"));
  }

  /**
   * Every flipped bit of the slots file, and of the first 64 bytes of the vault file, is damage
   * (exit 1, the file named), never a wrong passphrase (exit 5, throttled).
   */
  @Test
  void aFlippedBitInTheSlotsFileOrTheVaultHeaderIsDamageNotAWrongPassphrase() throws Exception {
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    vault.addKeySlot("recovery", TestKdf.secret("RECOVERY-KEY"), TestKdf.secret("new pass"));
    vault.lock();
    Path slots = KeySlots.pathFor(file);
    List<String> wrong = new java.util.ArrayList<>();
    for (Path damaged : List.of(slots, file)) {
      byte[] pristine = Files.readAllBytes(damaged);
      int bits = damaged.equals(slots) ? pristine.length * 8 : 64 * 8;
      for (int bit = 0; bit < bits; bit++) {
        byte[] bytes = pristine.clone();
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        Files.write(damaged, bytes);
        try {
          new Vault(file, TestKdf.CHEAP).unlock(TestKdf.secret("new pass"));
          wrong.add(damaged.getFileName() + " bit " + bit + ": opened");
        } catch (CorruptVaultException refused) {
          if (!refused.getMessage().contains(damaged.toString())) {
            wrong.add(damaged.getFileName() + " bit " + bit + ": " + refused.getMessage());
          }
        } catch (WrongPassphraseException e) {
          wrong.add(damaged.getFileName() + " bit " + bit + ": wrong passphrase");
        }
        assertArrayEquals(bytes, Files.readAllBytes(damaged));
      }
      Files.write(damaged, pristine);
    }
    assertEquals(List.of(), wrong);
  }

  /**
   * The slots file gone while the vault is open (a restore that forgot it, a sync tool): adding or
   * removing a slot with the right passphrase was answered "wrong passphrase" and throttled, so the
   * owner retyped a right passphrase into a growing delay and never heard which file to restore.
   */
  @Test
  void aSlotsFileGoneWhileUnlockedIsDamageNotAWrongPassphraseForAddOrRemove() throws Exception {
    vault.addKeySlot("login", TestKdf.secret("login pw"), TestKdf.secret("old pass"));
    Path slots = KeySlots.pathFor(file);
    Files.delete(slots);
    CorruptVaultException add = assertThrows(CorruptVaultException.class,
        () -> vault.addKeySlot("recovery", TestKdf.secret("RECOVERY-KEY"), TestKdf.secret("old pass")));
    assertTrue(add.getMessage().contains(slots + " is missing"), add.getMessage());
    CorruptVaultException remove = assertThrows(CorruptVaultException.class,
        () -> vault.removeKeySlot(1, TestKdf.secret("old pass")));
    assertTrue(remove.getMessage().contains(slots + " is missing"), remove.getMessage());
    assertTrue(Files.notExists(slots), "nothing was written in its place");
  }

  @Test
  void aSlotsFileOfTheFormerFormatWithoutADigestStillOpens() throws Exception {
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    Path slots = KeySlots.pathFor(file);
    byte[] current = Files.readAllBytes(slots);
    byte[] former = java.util.Arrays.copyOf(current, current.length - KeySlots.DIGEST_BYTES);
    former[4] = KeySlots.FORMAT_NO_DIGEST;
    Files.write(slots, former);
    assertEquals(1, reopen("new pass").size());
  }

  @Test
  void removingASlotNeedsTheVaultUnlockedAndItsPassphrase() throws Exception {
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    vault.addKeySlot("login", TestKdf.secret("login pw"), TestKdf.secret("new pass"));
    byte[] slots = Files.readAllBytes(KeySlots.pathFor(file));
    vault.lock();
    assertThrows(VaultLockedException.class, () -> vault.removeKeySlot(1, TestKdf.secret("new pass")));
    assertArrayEquals(slots, Files.readAllBytes(KeySlots.pathFor(file)), "nothing removed while locked");
    vault.unlock(TestKdf.secret("new pass"));
    for (String notThePassphrase : List.of("wrong", "login pw")) {
      assertThrows(WrongPassphraseException.class, () -> vault.removeKeySlot(1, TestKdf.secret(notThePassphrase)));
      assertArrayEquals(slots, Files.readAllBytes(KeySlots.pathFor(file)), notThePassphrase);
    }
    vault.removeKeySlot(1, TestKdf.secret("new pass"));
    assertThrows(WrongPassphraseException.class, () -> reopen("login pw"));
  }

  /**
   * After passwd, a copy of the vault file and its journal, with the slots file or without it,
   * does not open with the old passphrase: the vault header's own way in (derived from the
   * passphrase and the header's salt) is gone once a slot exists.
   */
  @Test
  void afterPasswdACopyOfTheVaultDoesNotOpenWithTheOldPassphrase() throws Exception {
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    vault.store("x.example", new Credential("bob", TestKdf.secret("stored after passwd")));
    for (boolean withSlots : List.of(true, false)) {
      Path copy = home.resolve("copy-" + withSlots).resolve("vault");
      Files.createDirectories(copy.getParent());
      Files.copy(file, copy);
      Files.copy(Journal.pathFor(file), Journal.pathFor(copy));
      if (withSlots) {
        Files.copy(KeySlots.pathFor(file), KeySlots.pathFor(copy));
      }
      assertThrows(VaultException.class, () -> new Vault(copy, TestKdf.CHEAP).unlock(TestKdf.secret("old pass")),
          withSlots ? "with the slots file" : "without the slots file");
    }
  }

  /** A vault from before key slots (its header's salt derives its key) loses that way in at passwd, locked or not. */
  @Test
  void passwdOnAVaultFromBeforeKeySlotsLeavesOnlyTheSlotsAsAWayIn() throws Exception {
    for (boolean unlocked : List.of(false, true)) {
      Path legacy = home.resolve("legacy-" + unlocked).resolve("vault");
      Files.createDirectories(legacy.getParent());
      VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(TestKdf.CHEAP, new java.security.SecureRandom());
      byte[] key = spec.params().deriveKey("old pass".getBytes(java.nio.charset.StandardCharsets.UTF_8), spec.salt());
      byte[] file = VaultFormatTest.formatTwo(spec, key, VaultBody.encode(new java.util.TreeMap<>(), Map.of()));
      Files.write(legacy, file);
      byte[] nonce = VaultFormat.parse(file).nonce();
      Journal.append(Journal.pathFor(legacy), Journal.reset(Journal.pathFor(legacy), nonce),
          nonce, 0, key, JournalRecord.encode(List.of(new Vault.Put("r", new Credential("u", TestKdf.secret("s"))))),
          new java.security.SecureRandom());
      Vault old = new Vault(legacy, TestKdf.CHEAP);
      if (unlocked) {
        old.unlock(TestKdf.secret("old pass"));
        Files.delete(KeySlots.pathFor(legacy)); // as if its unlock had been by a credagent before this one
        Files.write(legacy, file);
        Journal.append(Journal.pathFor(legacy), Journal.reset(Journal.pathFor(legacy), nonce), nonce, 0, key,
            JournalRecord.encode(List.of(new Vault.Put("r", new Credential("u", TestKdf.secret("s"))))),
            new java.security.SecureRandom());
        old.lock();
        old.unlock(TestKdf.secret("old pass"));
      }
      old.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
      assertTrue(!VaultFormat.parse(Files.readAllBytes(legacy)).keySpec().headerWayIn(), "unlocked: " + unlocked);
      Path copy = legacy.resolveSibling("copy");
      Files.copy(legacy, copy);
      Files.copy(Journal.pathFor(legacy), Journal.pathFor(copy));
      assertThrows(CorruptVaultException.class, () -> new Vault(copy, TestKdf.CHEAP).unlock(TestKdf.secret("old pass")));
      Vault reopened = new Vault(legacy, TestKdf.CHEAP);
      reopened.unlock(TestKdf.secret("new pass"));
      assertEquals(Map.of("r", "u"), reopened.list());
    }
  }

  /**
   * passwd --rekey: a backup of the slots file from before, which the old passphrase opens, opens
   * nothing of the vault after it; every credential is there under the new passphrase.
   */
  @Test
  void rekeyLeavesABackupsSlotsAndTheOldPassphraseOpeningNothingNow() throws Exception {
    vault.addKeySlot("recovery", TestKdf.secret("RECOVERY-KEY"), TestKdf.secret("old pass"));
    byte[] slotsBackup = Files.readAllBytes(KeySlots.pathFor(file));
    vault.rekey(TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    vault.store("after.example", new Credential("bob", TestKdf.secret("after rekey")));
    assertEquals(List.of("passphrase"), vault.keySlots().stream().map(Vault.SlotInfo::kind).toList());
    Path copy = home.resolve("copy").resolve("vault");
    Files.createDirectories(copy.getParent());
    Files.copy(file, copy);
    Files.copy(Journal.pathFor(file), Journal.pathFor(copy));
    Files.write(KeySlots.pathFor(copy), slotsBackup);
    for (String old : List.of("old pass", "RECOVERY-KEY")) {
      assertThrows(WrongPassphraseException.class, () -> new Vault(copy, TestKdf.CHEAP).unlock(TestKdf.secret(old)), old);
    }
    Vault reopened = reopen("new pass");
    assertEquals(Map.of("r.example", "alice", "after.example", "bob"), reopened.list());
    assertArrayEquals("s3cret".toCharArray(), reopened.get("r.example").secret().toChars());
    assertThrows(WrongPassphraseException.class, () -> vault.rekey(TestKdf.secret("old pass"), TestKdf.secret("x")));
  }

  /**
   * Each state a kill during a rekey can leave (its three writes, and the journal reset after the
   * second) opens with exactly one of the two passphrases, with every credential.
   */
  @Test
  void rekeyKilledAtAnyStepLeavesExactlyOneConsistentVault() throws Exception {
    vault.store("big", new Credential("u", TestKdf.secret("y".repeat((int) VaultFiles.FOLD_FLOOR_BYTES))));
    vault.store("j.example", new Credential("u", TestKdf.secret("in the journal"))); // folds
    vault.store("k.example", new Credential("u", TestKdf.secret("in the journal too")));
    Path journal = Journal.pathFor(file);
    Path slots = KeySlots.pathFor(file);
    byte[] vaultBefore = Files.readAllBytes(file);
    byte[] journalBefore = Files.readAllBytes(journal);
    byte[] slotsBefore = Files.readAllBytes(slots);
    vault.rekey(TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    byte[] vaultAfter = Files.readAllBytes(file);
    byte[] journalAfter = Files.readAllBytes(journal);
    byte[] slotsAfter = Files.readAllBytes(slots);
    List<KeySlots.Slot> both = new java.util.ArrayList<>(KeySlots.decode(slots, slotsAfter));
    both.addAll(KeySlots.decode(slots, slotsBefore));
    byte[] slotsBetween = KeySlots.encode(both);
    record State(String name, byte[] vault, byte[] journal, byte[] slots, String opens, String refused) {}
    for (State state : List.of(
        new State("before", vaultBefore, journalBefore, slotsBefore, "old pass", "new pass"),
        new State("new slot added", vaultBefore, journalBefore, slotsBetween, "old pass", "new pass"),
        new State("vault sealed anew, journal not yet reset", vaultAfter, journalBefore, slotsBetween, "new pass", "old pass"),
        new State("vault sealed anew", vaultAfter, journalAfter, slotsBetween, "new pass", "old pass"),
        new State("done", vaultAfter, journalAfter, slotsAfter, "new pass", "old pass"))) {
      Path dir = home.resolve(state.name().replace(' ', '-').replace(",", ""));
      Files.createDirectories(dir);
      Path copy = dir.resolve("vault");
      Files.write(copy, state.vault());
      Files.write(Journal.pathFor(copy), state.journal());
      Files.write(KeySlots.pathFor(copy), state.slots());
      assertThrows(WrongPassphraseException.class,
          () -> new Vault(copy, TestKdf.CHEAP).unlock(TestKdf.secret(state.refused())), state.name());
      Vault opened = new Vault(copy, TestKdf.CHEAP);
      opened.unlock(TestKdf.secret(state.opens()));
      assertEquals(4, opened.size(), state.name());
      assertArrayEquals("in the journal too".toCharArray(), opened.get("k.example").secret().toChars(), state.name());
    }
  }

  /**
   * A rekey killed between its writes leaves a passphrase slot whose key no longer fits (the new
   * one before the vault file is sealed anew, the old one after). Counted as a passphrase slot, it
   * let keyslot remove take the one slot that opened the vault: nothing opened it again. The slot
   * that the given passphrase opens is the live one, and is never removed.
   */
  @Test
  void afterAKilledRekeyTheSlotThatOpensTheVaultCannotBeRemoved() throws Exception {
    Path slots = KeySlots.pathFor(file);
    byte[] vaultBefore = Files.readAllBytes(file);
    byte[] journalBefore = Files.readAllBytes(Journal.pathFor(file));
    byte[] slotsBefore = Files.readAllBytes(slots);
    vault.rekey(TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    vault.lock();
    List<KeySlots.Slot> both = new java.util.ArrayList<>(KeySlots.decode(slots, Files.readAllBytes(slots)));
    both.addAll(KeySlots.decode(slots, slotsBefore));
    byte[] slotsBetween = KeySlots.encode(both);
    byte[] vaultAfter = Files.readAllBytes(file);
    byte[] journalAfter = Files.readAllBytes(Journal.pathFor(file));
    // killed after the vault file was sealed anew: slot 0 (new) opens it, slot 1 (old) is dead
    // killed before: slot 1 (old) opens it, slot 0 (new) is dead
    record State(byte[] vault, byte[] journal, String opens, int live) {}
    for (State state : List.of(new State(vaultAfter, journalAfter, "new pass", 0),
        new State(vaultBefore, journalBefore, "old pass", 1))) {
      Files.write(file, state.vault());
      Files.write(Journal.pathFor(file), state.journal());
      Files.write(slots, slotsBetween);
      Vault opened = reopen(state.opens());
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> opened.removeKeySlot(state.live(), TestKdf.secret(state.opens())), state.opens());
      assertTrue(refused.getMessage().contains("opens the vault"), refused.getMessage());
      opened.removeKeySlot(1 - state.live(), TestKdf.secret(state.opens())); // the dead one may go
      assertEquals(1, reopen(state.opens()).size(), state.opens());
    }
  }

  /** doctor, without the passphrase, says the same of a damaged or missing slots file. */
  @Test
  void doctorFindsADamagedOrMissingSlotsFile() throws Exception {
    Path slots = KeySlots.pathFor(file);
    assertEquals(null, Vault.inspect(file));
    byte[] bytes = Files.readAllBytes(slots);
    bytes[20] ^= 1;
    Files.write(slots, bytes);
    String damaged = Vault.inspect(file);
    assertTrue(damaged != null && damaged.contains(slots.toString()) && damaged.contains("damaged"), damaged);
    Files.delete(slots);
    String missing = Vault.inspect(file);
    assertTrue(missing != null && missing.contains(slots + " is missing"), missing);
  }
}
