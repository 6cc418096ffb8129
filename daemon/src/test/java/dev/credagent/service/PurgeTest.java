package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.vault.Credential;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultPlaintext;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code erase --purge}: the secret is gone from the vault's files at once, not at the next fold. */
class PurgeTest {
  private static final Caller ME = new Caller(1000, 4242);
  private static final String SECRET = "purge-me-0123456789";
  @TempDir Path home;

  @Test
  void aPurgedSecretIsInNeitherFileEvenWithThePassphrase() throws Exception {
    Path file = home.resolve("vault");
    CredentialService service = new CredentialService(new Vault(file, TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.store(ME, "kept.example", new Credential("u", TestKdf.secret("kept-secret"))).join();
    service.store(ME, "gone.example", new Credential("u", TestKdf.secret(SECRET))).join();
    service.erasure().erase(ME, "gone.example", false).join(); // kept as erased: in the files, on purpose
    assertTrue(String.join("", VaultPlaintext.of(file, "pw")).contains(SECRET), "the test sees what it looks for");

    service.erasure().erase(ME, "kept.example", true).join(); // a purge of another, with the erased one kept
    service.erasure().purgeAll(ME).join();
    List<String> left = VaultPlaintext.of(file, "pw");
    assertFalse(String.join("", left).contains(SECRET), "purged, yet in the files: " + left.size() + " plaintexts");
    assertFalse(String.join("", left).contains("kept-secret"));
    assertEquals(1, left.size(), "the journal starts anew, holding nothing");
  }

  @Test
  void erasePurgeOfALiveCredentialLeavesNothingOfIt() throws Exception {
    Path file = home.resolve("vault");
    CredentialService service = new CredentialService(new Vault(file, TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run);
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.store(ME, "gone.example", new Credential("u", TestKdf.secret(SECRET))).join();
    service.erasure().erase(ME, "gone.example", true).join();
    assertFalse(String.join("", VaultPlaintext.of(file, "pw")).contains(SECRET));
  }
}
