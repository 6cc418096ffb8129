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
    vault.addKeySlot("recovery", TestKdf.secret("RECOVERY-KEY"));
    vault.addKeySlot("login", TestKdf.secret("login pw"));
    assertEquals(1, reopen("RECOVERY-KEY").size());
    assertEquals(1, reopen("login pw").size());
    assertEquals(1, reopen("old pass").size(), "the header's passphrase, while no passphrase slot exists");
    assertEquals(List.of("passphrase", "recovery", "login"), vault.keySlots().stream().map(Vault.SlotInfo::kind).toList());
    vault.removeKeySlot(1);
    assertThrows(WrongPassphraseException.class, () -> reopen("login pw"));
    vault.rewrap("passphrase", TestKdf.secret("old pass"), TestKdf.secret("new pass"));
    IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> vault.removeKeySlot(1));
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
}
