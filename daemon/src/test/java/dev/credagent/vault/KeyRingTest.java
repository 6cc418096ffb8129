package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key ring alone, without a vault file: which key a secret opens, and the slots it keeps. */
class KeyRingTest {
  private static final VaultFormat.KeySpec SLOTS_ONLY = new VaultFormat.KeySpec(TestKdf.CHEAP, null);
  @TempDir Path home;
  private final SecureRandom random = new SecureRandom();
  private KeyRing ring;
  private byte[] dataKey;
  private VaultKey key;

  @BeforeEach
  void setUp() throws Exception {
    ring = new KeyRing(home.resolve("vault"), () -> TestKdf.CHEAP, random);
    dataKey = new byte[KdfParams.KEY_BYTES];
    random.nextBytes(dataKey);
    key = new VaultKey(dataKey.clone());
    ring.write(List.of(ring.wrap(KeySlots.Kind.PASSPHRASE, utf8("pw"), dataKey)));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] opened(String secret, KeySlots.Kind only) throws Exception {
    return ring.dataKey(SLOTS_ONLY, ring.bytes(), utf8(secret), only, VaultFormat.keyCheck(dataKey)).key();
  }

  @Test
  void eachSlotOpensTheDataKeyAndOnlyNarrowsTheWaysIn() throws Exception {
    ring.add(KeySlots.Kind.LOGIN, TestKdf.secret("login pw"), key);
    ring.add(KeySlots.Kind.RECOVERY, TestKdf.secret("RECOVERY"), key);
    for (String secret : List.of("pw", "login pw", "RECOVERY")) {
      assertArrayEquals(dataKey, opened(secret, null), secret);
    }
    assertArrayEquals(dataKey, opened("login pw", KeySlots.Kind.LOGIN));
    assertThrows(WrongPassphraseException.class, () -> opened("pw", KeySlots.Kind.LOGIN), "PAM opens the login slot only");
    assertThrows(WrongPassphraseException.class, () -> opened("nope", null));
    assertEquals(List.of("passphrase", "login", "recovery"),
        ring.list(false).stream().map(Vault.SlotInfo::kind).toList());
  }

  @Test
  void onlyThePassphraseProvesThePassphrase() throws Exception {
    ring.add(KeySlots.Kind.LOGIN, TestKdf.secret("login pw"), key);
    ring.requirePassphrase(SLOTS_ONLY, key, TestKdf.secret("pw"));
    for (String notIt : List.of("login pw", "wrong", "")) {
      assertThrows(WrongPassphraseException.class, () -> ring.requirePassphrase(SLOTS_ONLY, key, TestKdf.secret(notIt)), notIt);
    }
  }

  @Test
  void aMissingSlotsFileBesideAVaultOnlyItsSlotsOpenIsDamageNamingIt() throws Exception {
    Files.delete(ring.file());
    CorruptVaultException damage = assertThrows(CorruptVaultException.class, () -> opened("pw", null));
    assertTrue(damage.getMessage().contains(ring.file().toString()), damage.getMessage());
  }

  @Test
  void theLastPassphraseSlotStaysAndTheRingHoldsEightAtMost() throws Exception {
    IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> ring.remove(0, utf8("pw"), null));
    assertTrue(last.getMessage().contains("credagent passwd"), last.getMessage());
    for (int i = 1; i < KeySlots.MAX_SLOTS; i++) {
      ring.add(KeySlots.Kind.RECOVERY, TestKdf.secret("key " + i), key);
    }
    byte[] full = ring.bytes();
    assertThrows(IllegalArgumentException.class, () -> ring.add(KeySlots.Kind.LOGIN, TestKdf.secret("one more"), key));
    assertArrayEquals(full, ring.bytes(), "nothing written past the limit");
    ring.remove(1, utf8("pw"), null);
    assertEquals(KeySlots.MAX_SLOTS - 1, ring.read().size());
    assertFalse(ring.read().stream().skip(1).anyMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE));
  }
}
