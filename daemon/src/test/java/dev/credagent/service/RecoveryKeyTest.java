package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.WrongPassphraseException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recovery key typed as a stressed person types it: any case, any spacing, any dashes. */
class RecoveryKeyTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;

  @Test
  void aFreshKeyIsEightDashedGroupsOfFiveAndReadsAsItself() {
    try (Secret key = RecoveryKey.fresh()) {
      String printed = new String(key.toChars());
      assertTrue(printed.matches("[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){7}"), printed);
      RecoveryKey.Key read = assertInstanceOf(RecoveryKey.Key.class, RecoveryKey.read(key));
      assertEquals(printed, new String(read.printed().toChars()));
    }
  }

  @Test
  void anySpellingOfAKeyReadsAsItsPrintedForm() {
    String printed = "7Q2KD-0A1BC-DEFGH-JKMNP-QRSTV-WXYZ0-12345-6789A";
    for (String typed : new String[] {printed.toLowerCase(), "   " + printed + "\n", printed.replace("-", ""),
        printed.replace("-", " "), "7Q2KD0A1BC-DEFGHJKMNP-QRSTVWXYZ0-123456789A", "7q2kd-oa1bc-defgh-jkmnp-qrstv-wxyzo-i2345-6789a"}) {
      RecoveryKey.Key read = assertInstanceOf(RecoveryKey.Key.class, RecoveryKey.read(TestKdf.secret(typed)), typed);
      assertEquals(printed, new String(read.printed().toChars()), typed);
    }
  }

  @Test
  void aKeysShapeThatIsNoKeyIsMistypedAndAPassphraseIsAPassphrase() {
    assertInstanceOf(RecoveryKey.Mistyped.class, RecoveryKey.read(TestKdf.secret("7Q2KD-0A1BC-DEFGH-JKMNP-QRSTV-WXYZ0-12345-6789")));
    assertInstanceOf(RecoveryKey.Mistyped.class, RecoveryKey.read(TestKdf.secret("7Q2KD-0A1BC-DEFGH-JKMNP-QRSTV-WXYZ0-12345-6789U")));
    for (String passphrase : new String[] {"correct horse battery staple", "pw", "my-pass-word", "Ünïcode-pass-word-x-y"}) {
      assertInstanceOf(RecoveryKey.Passphrase.class, RecoveryKey.read(TestKdf.secret(passphrase)), passphrase);
    }
  }

  @Test
  void theVaultOpensWithARecoveryKeyPastedIndentedInLowerCaseOrWithoutDashes() throws Exception {
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    CredentialService service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret("pw")).join();
    String key;
    try (Secret made = service.keySlots().add(ME, "recovery", null, TestKdf.secret("pw")).join().recoveryKey()) {
      key = new String(made.toChars());
    }
    for (String typed : new String[] {"  " + key.toLowerCase() + "\n", key.replace("-", ""), key.replace("-", " ")}) {
      service.lock(ME);
      service.unlock(ME, TestKdf.secret(typed)).join(); // before: "wrong passphrase"
      assertTrue(vault.isUnlocked(), typed);
    }
    service.lock(ME);
    CompletionException mistyped = assertThrows(CompletionException.class,
        () -> service.unlock(ME, TestKdf.secret(key.substring(0, key.length() - 1))).join());
    WrongPassphraseException said = assertInstanceOf(WrongPassphraseException.class, mistyped.getCause());
    assertTrue(said.getMessage().contains("not a valid recovery key: it has 39 letters and digits"), said.getMessage());
    assertFalse(said.getMessage().contains(key.substring(0, 5)), "never the characters typed");
    CompletionException wrong = assertThrows(CompletionException.class, () -> service.unlock(ME, TestKdf.secret("not it")).join());
    assertEquals("wrong passphrase", wrong.getCause().getMessage());
  }

  @Test
  void aPassphraseWithAKeysShapeStillOpensAsTyped() throws Exception {
    String passphrase = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIo"; // 40 letters: read as a key, it would be upper case
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    CredentialService service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret(passphrase)).join(); // created with it, as typed
    service.lock(ME);
    service.unlock(ME, TestKdf.secret(passphrase)).join();
    assertTrue(vault.isUnlocked());
  }

  /**
   * "I forgot my passphrase, I have the key": passwd took only the passphrase as the current one,
   * so the key opened the vault until the next lock and could set no new passphrase.
   */
  @Test
  void aRecoveryKeyInAnySpellingSetsANewPassphraseAndTheForgottenOneOpensNothing() throws Exception {
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    CredentialService service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret("forgotten")).join();
    String key;
    try (Secret made = service.keySlots().add(ME, "recovery", null, TestKdf.secret("forgotten")).join().recoveryKey()) {
      key = new String(made.toChars());
    }
    service.lock(ME);
    service.keySlots().passwd(ME, "passphrase", false, TestKdf.secret("  " + key.toLowerCase().replace("-", " ")),
        TestKdf.secret("new")).join();
    assertEquals(Vault.Unlocked.OPENED, service.unlock(ME, TestKdf.secret("new")).join());
    service.lock(ME);
    CompletionException forgotten = assertThrows(CompletionException.class, () -> service.unlock(ME, TestKdf.secret("forgotten")).join());
    assertInstanceOf(WrongPassphraseException.class, Async.cause(forgotten));
    assertEquals(Vault.Unlocked.OPENED, service.unlock(ME, TestKdf.secret(key)).join(), "the key still opens it");
    // Only the passphrase: a recovery key changes no login slot, and a wrong key changes nothing.
    CompletionException login = assertThrows(CompletionException.class,
        () -> service.keySlots().passwd(ME, "login", false, TestKdf.secret(key), TestKdf.secret("x")).join());
    assertFalse(Async.cause(login) == null);
  }
}
