package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One user's credentials: sealed on disk under a passphrase, open in memory once unlocked.
 *
 * <p>Reads never block: they look at an immutable snapshot. Changes are serialized, written
 * durably, and only then published, so whatever a caller was told succeeded is on disk.
 */
public final class Vault {
  /** What {@link #unlock} did. */
  public enum Unlocked { CREATED, OPENED, ALREADY }

  private final Path file;
  private final KdfParams paramsForNewVault;
  private final SecureRandom random;
  private volatile Session session;

  /** The key and the open credentials, while unlocked. The map is never changed, only replaced. */
  private record Session(VaultFormat.KeySpec keySpec, byte[] key, Map<String, Credential> credentials) {
    Session with(Map<String, Credential> replacement) {
      return new Session(keySpec, key, replacement);
    }
  }

  public Vault(Path file) {
    this(file, KdfParams.DEFAULT, new SecureRandom());
  }

  /** A vault whose new files use {@code paramsForNewVault}; existing files keep their own. */
  public Vault(Path file, KdfParams paramsForNewVault) {
    this(file, paramsForNewVault, new SecureRandom());
  }

  Vault(Path file, KdfParams paramsForNewVault, SecureRandom random) {
    this.file = file;
    this.paramsForNewVault = paramsForNewVault;
    this.random = random;
  }

  public Path file() {
    return file;
  }

  public boolean exists() {
    return Files.exists(file);
  }

  public boolean isUnlocked() {
    return session != null;
  }

  /**
   * Opens the vault with {@code passphrase}, or creates it with that passphrase when there is none.
   * When already unlocked, checks the passphrase all the same, so a script that unlocks with a
   * wrong one is told so.
   */
  public synchronized Unlocked unlock(Secret passphrase) throws VaultException, IOException {
    byte[] utf8 = passphrase.toUtf8();
    try {
      Session open = session;
      if (open != null) {
        byte[] candidate = open.keySpec().params().deriveKey(utf8, open.keySpec().salt());
        try {
          if (!MessageDigest.isEqual(candidate, open.key())) {
            throw new WrongPassphraseException();
          }
        } finally {
          Arrays.fill(candidate, (byte) 0);
        }
        return Unlocked.ALREADY;
      }
      byte[] sealedBytes;
      try {
        sealedBytes = Files.readAllBytes(file);
      } catch (NoSuchFileException absent) {
        create(utf8);
        return Unlocked.CREATED;
      }
      session = open(VaultFormat.parse(sealedBytes), utf8);
      DurableFile.removeLeftovers(file);
      return Unlocked.OPENED;
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
  }

  /** Drops the key and every credential from memory at once. */
  public synchronized void lock() {
    Session open = session;
    session = null;
    if (open != null) {
      Arrays.fill(open.key(), (byte) 0);
      open.credentials().values().forEach(credential -> credential.secret().destroy());
    }
  }

  /** A copy of the credential for {@code server} (exact string), which the caller owns. */
  public Credential get(String server) throws VaultLockedException, CredentialNotFoundException {
    while (true) {
      Session open = requireUnlocked();
      Credential credential = open.credentials().get(server);
      if (credential == null) {
        throw new CredentialNotFoundException(server);
      }
      try {
        return credential.copy();
      } catch (Secret.DestroyedSecretException replacedOrLocked) {
        // A store replaced it or a lock wiped it while we copied: look again at what is there now.
      }
    }
  }

  /** Server to username, sorted. */
  public SortedMap<String, String> list() throws VaultLockedException {
    SortedMap<String, String> usernames = new TreeMap<>();
    requireUnlocked().credentials().forEach((server, credential) -> usernames.put(server, credential.username()));
    return usernames;
  }

  public int size() throws VaultLockedException {
    return requireUnlocked().credentials().size();
  }

  /** Stores (or replaces) the credential for {@code server}; takes ownership of its secret. */
  public synchronized void store(String server, Credential credential) throws VaultLockedException, IOException {
    Session open = requireUnlocked();
    Map<String, Credential> next = new HashMap<>(open.credentials());
    Credential replaced = next.put(server, credential);
    commit(open, next);
    if (replaced != null) {
      replaced.secret().destroy();
    }
  }

  public synchronized void erase(String server) throws VaultException, IOException {
    Session open = requireUnlocked();
    if (!open.credentials().containsKey(server)) {
      throw new CredentialNotFoundException(server);
    }
    Map<String, Credential> next = new HashMap<>(open.credentials());
    Credential removed = next.remove(server);
    commit(open, next);
    removed.secret().destroy();
  }

  private void create(byte[] passphrase) throws IOException {
    VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(paramsForNewVault, random);
    Session fresh = new Session(spec, spec.params().deriveKey(passphrase, spec.salt()), Map.of());
    write(fresh);
    session = fresh;
  }

  private Session open(VaultFormat.Sealed sealed, byte[] passphrase) throws VaultException {
    byte[] key = sealed.keySpec().params().deriveKey(passphrase, sealed.keySpec().salt());
    byte[] plaintext = VaultFormat.open(sealed, key);
    if (plaintext == null) {
      Arrays.fill(key, (byte) 0);
      throw new WrongPassphraseException();
    }
    try {
      return new Session(sealed.keySpec(), key, Collections.unmodifiableMap(VaultBody.decode(plaintext)));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private void commit(Session open, Map<String, Credential> next) throws IOException {
    Session updated = open.with(Collections.unmodifiableMap(next));
    write(updated);
    session = updated;
  }

  private void write(Session state) throws IOException {
    byte[] plaintext = VaultBody.encode(state.credentials());
    try {
      DurableFile.replace(file, VaultFormat.seal(state.keySpec(), state.key(), plaintext, random));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private Session requireUnlocked() throws VaultLockedException {
    Session open = session;
    if (open == null) {
      throw new VaultLockedException();
    }
    return open;
  }
}
