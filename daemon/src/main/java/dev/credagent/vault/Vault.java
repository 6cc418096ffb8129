package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One user's credentials: sealed on disk under a passphrase, open in memory once unlocked.
 *
 * <p>Reads never block: they look at an immutable snapshot. Changes are serialized, written
 * durably, and only then published, so whatever a caller was told succeeded is on disk.
 */
public final class Vault {
  /** What {@link #unlock} did. */
  public enum Unlocked { CREATED, OPENED, ALREADY }

  private static final String LOCKED_WHILE_WAITING = "the vault was locked while this unlock waited; unlock again";

  private final Path file;
  private final java.util.function.Supplier<KdfParams> paramsForNewVault;
  private final SecureRandom random;
  private final AtomicReference<Session> session = new AtomicReference<>();
  /** Counts locks; an unlock asked for before the latest lock does not undo it. */
  private final AtomicLong locks = new AtomicLong();
  /** One key derivation at a time: each holds {@link KdfParams#memoryKiB()} of memory. */
  private final Object unlocking = new Object();

  /** The key and the open credentials, while unlocked. The map is never changed, only replaced. */
  private record Session(VaultFormat.KeySpec keySpec, VaultKey key, Map<String, Credential> credentials,
      Map<String, String> sources) {
    Session with(Map<String, Credential> replacement) {
      return new Session(keySpec, key, replacement, sources);
    }

    Session withSources(Map<String, String> replacement) {
      return new Session(keySpec, key, credentials, replacement);
    }

    void wipe() {
      key.destroy();
      credentials.values().forEach(credential -> credential.secret().destroy());
    }
  }

  public Vault(Path file) {
    this(file, () -> KdfParams.DEFAULT, new SecureRandom());
  }

  /** A vault whose new files use {@code paramsForNewVault}; existing files keep their own. */
  public Vault(Path file, KdfParams paramsForNewVault) {
    this(file, () -> paramsForNewVault, new SecureRandom());
  }

  /** A vault whose new file gets the parameters {@code paramsForNewVault} gives then (a calibration). */
  public Vault(Path file, java.util.function.Supplier<KdfParams> paramsForNewVault) {
    this(file, paramsForNewVault, new SecureRandom());
  }

  Vault(Path file, KdfParams paramsForNewVault, SecureRandom random) {
    this(file, () -> paramsForNewVault, random);
  }

  private Vault(Path file, java.util.function.Supplier<KdfParams> paramsForNewVault, SecureRandom random) {
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
    return session.get() != null;
  }

  /**
   * How many times the vault has been locked: take it when an unlock is asked for and hand it to
   * {@link #unlock(Secret, long)}, so that a lock that comes after the request wins over it.
   */
  public long lockCount() {
    return locks.get();
  }

  /** {@link #unlock(Secret, long)} as of now. */
  public Unlocked unlock(Secret passphrase) throws VaultException, IOException {
    return unlock(passphrase, lockCount());
  }

  /**
   * Opens the vault with {@code passphrase}, or creates it with that passphrase when there is none.
   * When already unlocked, checks the passphrase all the same, so a script that unlocks with a
   * wrong one is told so.
   *
   * <p>The key derivation (Argon2, half a second and its memory) holds no lock that {@link
   * #lock()}, reads or writes wait for. If the vault was locked after {@code locksSeen} was taken,
   * this unlock fails as locked: a lock wins over every unlock asked for before it.
   */
  public Unlocked unlock(Secret passphrase, long locksSeen) throws VaultException, IOException {
    byte[] utf8 = passphrase.toUtf8();
    try {
      synchronized (unlocking) {
        Session open = session.get();
        if (open != null) {
          return checkPassphrase(open, utf8, locksSeen);
        }
        byte[] sealedBytes;
        synchronized (this) { // not in the middle of a write that a lock interrupted
          try {
            sealedBytes = Files.readAllBytes(file);
          } catch (NoSuchFileException absent) {
            sealedBytes = null;
          }
        }
        if (sealedBytes == null) {
          create(utf8, locksSeen);
          return Unlocked.CREATED;
        }
        install(open(VaultFormat.parse(sealedBytes), utf8), locksSeen);
        DurableFile.removeLeftovers(file);
        return Unlocked.OPENED;
      }
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
  }

  /** Drops the key and every credential from memory at once, whatever else is under way. */
  public void lock() {
    locks.incrementAndGet();
    Session open = session.getAndSet(null);
    if (open != null) {
      open.wipe();
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

  /** A change to the credentials, for {@link #apply}. */
  public sealed interface Change {
    String server();
  }

  /** Stores (or replaces) the credential for {@code server}; the vault takes ownership of its secret. */
  public record Put(String server, Credential credential) implements Change {}

  /** Erases the credential for {@code server}. */
  public record Remove(String server) implements Change {}

  /** Stores (or replaces) the credential for {@code server}; takes ownership of its secret. */
  public void store(String server, Credential credential) throws VaultLockedException, IOException {
    apply(List.of(new Put(server, credential)));
  }

  public void erase(String server) throws VaultException, IOException {
    VaultException outcome = apply(List.of(new Remove(server))).getFirst();
    if (outcome != null) {
      throw outcome;
    }
  }

  /**
   * Applies {@code changes} in order with one durable write (group commit: the changes queued
   * while the previous write was in flight). Each change's outcome is null (done, once this
   * returns) or why it could not be made (an erase of what is not there); a lock or a failed write
   * throws, and then none of them is made.
   */
  public synchronized List<VaultException> apply(List<? extends Change> changes) throws VaultLockedException, IOException {
    Session open = requireUnlocked();
    Map<String, Credential> next = new HashMap<>(open.credentials());
    List<VaultException> outcomes = new ArrayList<>(changes.size());
    List<Credential> superseded = new ArrayList<>();
    boolean changed = false;
    for (Change change : changes) {
      Credential gone = switch (change) {
        case Put put -> next.put(put.server(), put.credential());
        case Remove remove -> next.remove(remove.server());
      };
      if (change instanceof Remove && gone == null) {
        outcomes.add(new CredentialNotFoundException(change.server()));
        continue;
      }
      changed = true;
      outcomes.add(null);
      if (gone != null) {
        superseded.add(gone);
      }
    }
    if (changed) {
      commit(open, next);
      // Replaced or erased: out of the vault now (or wiped by the lock that came during the write).
      superseded.forEach(credential -> credential.secret().destroy());
    }
    return outcomes;
  }

  /** Registry to source definition (opaque here), sorted. */
  public SortedMap<String, String> sources() throws VaultLockedException {
    return new TreeMap<>(requireUnlocked().sources());
  }

  /** The definition of the source for {@code registry}, or null: one lookup, no copy of the rest. */
  public String source(String registry) throws VaultLockedException {
    return requireUnlocked().sources().get(registry);
  }

  /** Stores (or replaces) the definition of the source for {@code registry}, durably. */
  public synchronized void putSource(String registry, String definition) throws VaultLockedException, IOException {
    Session open = requireUnlocked();
    Map<String, String> next = new HashMap<>(open.sources());
    next.put(registry, definition);
    commitSources(open, next);
  }

  public synchronized void removeSource(String registry) throws VaultException, IOException {
    Session open = requireUnlocked();
    if (!open.sources().containsKey(registry)) {
      throw new CredentialNotFoundException(registry);
    }
    Map<String, String> next = new HashMap<>(open.sources());
    next.remove(registry);
    commitSources(open, next);
  }

  private void commitSources(Session open, Map<String, String> next) throws IOException, VaultLockedException {
    Session updated = open.withSources(Collections.unmodifiableMap(next));
    write(updated);
    if (!session.compareAndSet(open, updated)) {
      updated.wipe();
    }
  }

  private Unlocked checkPassphrase(Session open, byte[] passphrase, long locksSeen) throws VaultException {
    byte[] candidate = open.keySpec().params().deriveKey(passphrase, open.keySpec().salt());
    try {
      if (locks.get() != locksSeen) {
        throw new VaultLockedException(LOCKED_WHILE_WAITING);
      }
      if (!open.key().matches(candidate)) {
        throw new WrongPassphraseException();
      }
      return Unlocked.ALREADY;
    } finally {
      Arrays.fill(candidate, (byte) 0);
    }
  }

  private void create(byte[] passphrase, long locksSeen) throws IOException, VaultLockedException {
    VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(paramsForNewVault.get(), random);
    Session fresh = new Session(spec, new VaultKey(spec.params().deriveKey(passphrase, spec.salt())), Map.of(), Map.of());
    synchronized (this) {
      if (locks.get() != locksSeen) {
        fresh.wipe();
        throw new VaultLockedException(LOCKED_WHILE_WAITING);
      }
      write(fresh);
      install(fresh, locksSeen);
    }
  }

  private void install(Session opened, long locksSeen) throws VaultLockedException {
    synchronized (this) {
      if (locks.get() == locksSeen && session.compareAndSet(null, opened)) {
        return;
      }
    }
    opened.wipe();
    throw new VaultLockedException(LOCKED_WHILE_WAITING);
  }

  private Session open(VaultFormat.Sealed sealed, byte[] passphrase) throws VaultException {
    byte[] key = sealed.keySpec().params().deriveKey(passphrase, sealed.keySpec().salt());
    byte[] plaintext = VaultFormat.open(sealed, key);
    if (plaintext == null) {
      Arrays.fill(key, (byte) 0);
      throw new WrongPassphraseException();
    }
    try {
      VaultBody.Contents contents = VaultBody.decode(plaintext);
      return new Session(sealed.keySpec(), new VaultKey(key), Collections.unmodifiableMap(contents.credentials()),
          Collections.unmodifiableMap(contents.sources()));
    } catch (CorruptVaultException | RuntimeException e) {
      Arrays.fill(key, (byte) 0);
      throw e;
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  /**
   * Writes {@code next} durably, then publishes it; false when a lock came during the write (the
   * change is on disk all the same, and the new secrets are wiped with the rest).
   */
  private boolean commit(Session open, Map<String, Credential> next) throws IOException, VaultLockedException {
    Session updated = open.with(Collections.unmodifiableMap(next));
    write(updated);
    if (session.compareAndSet(open, updated)) {
      return true;
    }
    updated.wipe();
    return false;
  }

  private void write(Session state) throws IOException, VaultLockedException {
    byte[] key = state.key().copy();
    byte[] plaintext = null;
    try {
      plaintext = VaultBody.encode(state.credentials(), state.sources());
      DurableFile.replace(file, VaultFormat.seal(state.keySpec(), key, plaintext, random));
    } catch (Secret.DestroyedSecretException lockedWhileEncoding) {
      throw new VaultLockedException();
    } finally {
      Arrays.fill(key, (byte) 0);
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  private Session requireUnlocked() throws VaultLockedException {
    Session open = session.get();
    if (open == null) {
      throw new VaultLockedException();
    }
    return open;
  }
}
