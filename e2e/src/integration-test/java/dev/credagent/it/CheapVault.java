package dev.credagent.it;

import dev.credagent.vault.KdfParams;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A new, empty vault made with the cheapest Argon2id the vault format accepts (8 KiB, one pass),
 * for tests that need an open vault and test nothing of its creation. The daemon makes a new vault
 * with a cost calibrated to half a second here, 128 MiB (about 2 s to create and 1 s per unlock on
 * two loaded cores: 27 vaults and 51 unlocks took minutes of the suite); a vault keeps the cost in
 * its header, so the daemon opens this one as it opens any, in microseconds. Nothing in the product
 * chooses these parameters: only this test code writes such a file, through the vault's own code.
 * Made once per passphrase in the test JVM and copied.
 */
final class CheapVault {
  static final KdfParams CHEAPEST = new KdfParams(8, 1, 1);
  private static final Map<String, Path> MADE = new ConcurrentHashMap<>();

  private CheapVault() {}

  /** Puts the vault that {@code passphrase} opens into {@code home} (made 0700 if it is not there). */
  static void into(Path home, String passphrase) throws IOException {
    Path template = MADE.computeIfAbsent(passphrase, CheapVault::make);
    Files.createDirectories(home);
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    if (Files.exists(home.resolve("vault"))) {
      throw new IllegalStateException(home + " has a vault already");
    }
    try (Stream<Path> files = Files.list(template)) {
      for (Path file : files.toList()) {
        Files.copy(file, home.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static Path make(String passphrase) {
    try {
      Path dir = Files.createTempDirectory("credagent-cheap-vault-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> removeAll(dir)));
      Vault vault = new Vault(dir.resolve("vault"), CHEAPEST);
      if (vault.unlock(Secret.adopt(passphrase.toCharArray())) != Vault.Unlocked.CREATED) {
        throw new IllegalStateException("the fixture vault in " + dir + " was there already");
      }
      vault.lock();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (VaultException e) {
      throw new IllegalStateException("making the fixture vault: " + e.getMessage(), e);
    }
  }

  private static void removeAll(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // the OS's tmp cleaning takes it
    }
  }
}
