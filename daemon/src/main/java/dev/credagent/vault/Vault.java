package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

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
  private final Path journal;
  /** The data key's slots: the ways into the vault. */
  private final KeyRing ring;
  private final VaultOpener opener;
  /** passwd and passwd --rekey: the slots rewrapped, or the vault sealed under a new key. */
  private final Passwd passwd;
  private final Supplier<KdfParams> paramsForNewVault;
  private final SecureRandom random;
  /** How a change reaches the disk: appended to the journal, or the whole vault written anew. */
  private final VaultFiles files;
  private final AtomicReference<VaultSession> session = new AtomicReference<>();
  /** What the open vault holds, as {@link #MAX_CONTENT_CHARS} counts it; kept under this object's monitor. */
  private long contentChars;
  /** Counts locks; an unlock asked for before the latest lock does not undo it. */
  private final AtomicLong locks = new AtomicLong();
  /** One key derivation at a time: each holds {@link KdfParams#memoryKiB()} of memory. */
  private final Object unlocking = new Object();

  /**
   * What the vault may hold, counted as the characters of every server, username and secret (and
   * source): 16 Mi, some 16,000 logins of a KiB. Any vault within it unlocks in the daemon's heap
   * (-Xmx384m, of which Bouncy Castle's Argon2 may take 256 MiB); a store past it is refused.
   */
  public static final long MAX_CONTENT_CHARS = 16L << 20;

  /** A vault whose new files use {@code paramsForNewVault}; existing files keep their own. */
  public Vault(Path file, KdfParams paramsForNewVault) {
    this(file, () -> paramsForNewVault, new SecureRandom());
  }

  /** A vault whose new file gets the parameters {@code paramsForNewVault} gives then (a calibration). */
  public Vault(Path file, Supplier<KdfParams> paramsForNewVault) {
    this(file, paramsForNewVault, new SecureRandom());
  }

  private Vault(Path file, Supplier<KdfParams> paramsForNewVault, SecureRandom random) {
    this.file = file;
    this.journal = Journal.pathFor(file);
    this.files = new VaultFiles(file, journal, random);
    this.ring = new KeyRing(file, paramsForNewVault, random);
    this.opener = new VaultOpener(file, journal, ring);
    this.passwd = new Passwd(file, journal, ring, opener, files, session);
    this.paramsForNewVault = paramsForNewVault;
    this.random = random;
  }

  public Path file() {
    return file;
  }

  /**
   * What can be told of the vault file at {@code file} and its journal without the passphrase,
   * for {@code doctor}: null when both look sound (or there are none), else what is wrong and where.
   */
  public static String inspect(Path file) throws IOException {
    return VaultInspection.inspect(file);
  }

  public boolean exists() {
    return Files.exists(file);
  }

  public boolean isUnlocked() {
    return session.get() != null;
  }

  /**
   * An object that stands for the keys and sources open now: the same until the next change,
   * unlock or lock (compare by identity). What a cache of anything derived from the keys checks.
   */
  public Object version() {
    return session.get();
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
    return unlock(passphrase, locksSeen, null);
  }

  /**
   * The same, opened only through the key slots of {@code onlySlot} ("login", as PAM unlocks at
   * login) where it is not null: then a vault is never created, and no other way in is tried.
   */
  public Unlocked unlock(Secret passphrase, long locksSeen, String onlySlot) throws VaultException, IOException {
    KeySlots.Kind only = onlySlot == null ? null : KeyRing.kind(onlySlot);
    byte[] utf8 = passphrase.toUtf8();
    try {
      synchronized (unlocking) {
        VaultSession open = session.get();
        if (open != null) {
          return checkPassphrase(open, utf8, locksSeen, only);
        }
        byte[] sealedBytes;
        byte[] journalBytes;
        byte[] slotsBytes;
        synchronized (this) { // not in the middle of a write that a lock interrupted
          sealedBytes = VaultFiles.readIfThere(file);
          journalBytes = VaultFiles.readIfThere(journal);
          slotsBytes = ring.bytes();
        }
        if (sealedBytes == null && only != null) {
          throw new IOException("there is no vault yet to open with a " + only.word() + " key slot");
        }
        if (sealedBytes == null) {
          create(utf8, locksSeen);
          return Unlocked.CREATED;
        }
        VaultFormat.Sealed sealed = opener.parse(sealedBytes);
        VaultOpener.Opened opened = opener.open(sealed, journalBytes, slotsBytes, utf8, only);
        VaultSession session = opened.session().with(new VaultFiles.OnDisk(sealed.nonce(), sealedBytes.length, 0, 0));
        boolean dropHeaderWayIn;
        try {
          dropHeaderWayIn = sealed.keySpec().headerWayIn()
              && (opened.throughHeader() ? ring.addPassphraseSlot(slotsBytes, utf8, session.keySpec(), session.key())
                  : ring.hasPassphraseSlot(slotsBytes));
        } catch (VaultException | IOException | RuntimeException e) {
          session.wipe();
          throw e;
        }
        if (dropHeaderWayIn) {
          session = session.slotsOnly();
        }
        install(session, opened.replay(), dropHeaderWayIn || sealed.legacy()
            || opened.replay() != null && opened.replay().format() != Journal.FORMAT_VERSION, locksSeen);
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
    VaultSession open = session.getAndSet(null);
    if (open != null) {
      open.wipe();
    }
  }

  /** A copy of the credential for {@code server} (exact string), which the caller owns. */
  public Credential get(String server) throws VaultLockedException, CredentialNotFoundException {
    while (true) {
      VaultSession open = requireUnlocked();
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

  /**
   * Server to username, in server order: a view of the credentials open now, not a copy (a list of
   * 10,000 would otherwise sort and copy 10,000 entries each time).
   */
  public Map<String, String> list() throws VaultLockedException {
    return new UsernameView(requireUnlocked().credentials());
  }

  /**
   * The same, of the keys from {@code from} (inclusive) to {@code to} (exclusive; null: to the
   * end): a range of the sorted keys, as a view.
   */
  public Map<String, String> list(String from, String to) throws VaultLockedException {
    SortedMap<String, Credential> all = requireUnlocked().credentials();
    return new UsernameView(to == null ? all.tailMap(from) : all.subMap(from, to));
  }

  public int size() throws VaultLockedException {
    return requireUnlocked().credentials().size();
  }

  /** A change to the credentials or the sources, for {@link #apply}: each is one entry of a journal record. */
  public sealed interface Change {
    String server();
  }

  /** Stores (or replaces) the credential for {@code server}; the vault takes ownership of its secret. */
  public record Put(String server, Credential credential) implements Change {}

  /** Erases the credential for {@code server}. */
  public record Remove(String server) implements Change {}

  /** Stores (or replaces) the definition of the source for {@code server} (opaque here). */
  public record PutSource(String server, String definition) implements Change {}

  /** Removes the source for {@code server}. */
  public record RemoveSource(String server) implements Change {}

  /** Stores (or replaces) the credential for {@code server}; takes ownership of its secret. */
  public void store(String server, Credential credential) throws VaultLockedException, IOException {
    apply(List.of(new Put(server, credential)));
  }

  public void erase(String server) throws VaultException, IOException {
    applyOne(new Remove(server));
  }

  /**
   * Applies {@code changes} in order with one durable write (group commit: the changes queued
   * while the previous write was in flight). Each change's outcome is null (done, once this
   * returns) or why it could not be made (an erase of what is not there); a lock or a failed write
   * throws, and then none of them is made.
   */
  public List<VaultException> apply(List<? extends Change> changes) throws VaultLockedException, IOException {
    return apply(changes, false);
  }

  /**
   * As {@link #apply}, then written as a new vault file and an empty journal instead of a record
   * appended: what the changes remove (a purge) is then in neither file, where an append would
   * leave it in the vault file or the journal's earlier records until the next fold. (The file
   * system may keep the old blocks: see docs/security.md.)
   */
  public List<VaultException> applyAndRewrite(List<? extends Change> changes) throws VaultLockedException, IOException {
    return apply(changes, true);
  }

  private synchronized List<VaultException> apply(List<? extends Change> changes, boolean whole)
      throws VaultLockedException, IOException {
    VaultSession open = requireUnlocked();
    ChangeSet set = new ChangeSet(open.credentials(), open.sources(), contentChars, changes);
    if (!set.made.isEmpty()) {
      commit(open, new VaultSession(open.keySpec(), open.key(), set.credentials, set.sources, open.disk()), set.made, whole);
      contentChars = set.content;
      // Replaced or erased: out of the vault now (or wiped by the lock that came during the write).
      set.superseded.stream().filter(Objects::nonNull).forEach(credential -> credential.secret().destroy());
    }
    return set.outcomes;
  }

  /** Applies one change, throwing why it could not be made. */
  private void applyOne(Change change) throws VaultException, IOException {
    VaultException outcome = apply(List.of(change)).getFirst();
    if (outcome != null) {
      throw outcome;
    }
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
  public void putSource(String registry, String definition) throws VaultException, IOException {
    applyOne(new PutSource(registry, definition));
  }

  public void removeSource(String registry) throws VaultException, IOException {
    applyOne(new RemoveSource(registry));
  }

  private Unlocked checkPassphrase(VaultSession open, byte[] passphrase, long locksSeen, KeySlots.Kind only)
      throws VaultException {
    byte[] candidate;
    try {
      candidate = ring.dataKey(open.keySpec(), ring.bytes(), passphrase, only, KeyRing.keyCheck(open.key())).key();
    } catch (IOException e) {
      throw new CorruptVaultException(ring.file() + " cannot be read: " + e.getMessage());
    }
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

  /**
   * A new vault: a random data key, which a passphrase slot wraps; the header derives nothing. The
   * slots file is written first: until the vault file is there, there is no vault, and the next
   * unlock creates one anew.
   */
  private void create(byte[] passphrase, long locksSeen) throws IOException, VaultLockedException {
    KdfParams params = paramsForNewVault.get();
    byte[] key = new byte[KdfParams.KEY_BYTES];
    random.nextBytes(key);
    KeySlots.Slot slot = KeySlots.Slot.wrap(KeySlots.Kind.PASSPHRASE, params, passphrase, key, random);
    VaultSession fresh = new VaultSession(VaultFormat.KeySpec.fresh(params, random).slotsOnly(), new VaultKey(key),
        Collections.emptySortedMap(), Map.of(),
        null);
    synchronized (this) {
      if (locks.get() != locksSeen) {
        fresh.wipe();
        throw new VaultLockedException(LOCKED_WHILE_WAITING);
      }
      VaultFiles.keepAside(journal, "orphaned"); // a journal without its vault file: nothing opens it, but nothing is lost unseen
      try {
        ring.write(List.of(slot));
      } catch (IOException | RuntimeException e) {
        fresh.wipe();
        throw e;
      }
      install(fresh.with(fresh.writeWhole(files)), null, false, locksSeen);
    }
  }

  /**
   * Publishes an opened (or created) session unless a lock came since {@code locksSeen}, first
   * setting its journal straight: a fresh one when there is none or it is stale ({@code replay}
   * null), the torn tail cut off when a crash left one; with {@code rewrite} (files of an older
   * format), everything written anew in the current one.
   */
  private void install(VaultSession opened, Journal.Replay replay, boolean rewrite, long locksSeen)
      throws VaultLockedException, IOException {
    synchronized (this) {
      if (locks.get() == locksSeen && session.get() == null) {
        VaultSession ready;
        try {
          // A created vault's journal was started with its file; an opened one's is set straight here.
          // Settled first even when it is to be written anew: the new file names the one the
          // journal then names as the one it replaced, so a crash between its two writes leaves a
          // journal provably stale.
          if (opened.disk().journalBytes() > 0) {
            ready = opened;
          } else {
            ready = opened.with(files.settle(opened.disk(), replay));
            if (rewrite) {
              ready = ready.with(ready.writeWhole(files));
            }
          }
        } catch (IOException | RuntimeException e) {
          opened.wipe();
          throw e;
        }
        session.set(ready);
        contentChars = ChangeSet.size(ready.credentials(), ready.sources());
        return;
      }
    }
    opened.wipe();
    throw new VaultLockedException(LOCKED_WHILE_WAITING);
  }

  /**
   * Makes {@code changes} (which turned {@code open} into {@code updated}) durable, then publishes
   * {@code updated}; false when a lock came during the write (the change is on disk all the same,
   * and the new secrets are wiped with the rest).
   */
  private boolean commit(VaultSession open, VaultSession updated, List<? extends Change> changes, boolean whole)
      throws IOException, VaultLockedException {
    VaultSession written = updated.with(whole || open.disk().foldDue() ? updated.writeWhole(files)
        : files.append(open.disk(), open.key(), changes));
    if (session.compareAndSet(open, written)) {
      return true;
    }
    written.wipe();
    return false;
  }

  /** A way into the vault, as {@code credagent keyslot list} shows it. */
  public record SlotInfo(int index, String kind, boolean header) {}

  /**
   * The ways into the vault: its key slots, in order, and the passphrase of the vault header where
   * no passphrase slot exists yet (index -1; it cannot be removed).
   */
  public synchronized List<SlotInfo> keySlots() throws VaultException, IOException {
    byte[] sealedBytes = VaultFiles.readIfThere(file);
    return ring.list(sealedBytes == null || VaultFormat.parse(sealedBytes).keySpec().headerWayIn());
  }

  /**
   * Adds a slot of {@code kind} ("login", "recovery", "passphrase") that {@code secret} opens. As
   * {@link #removeKeySlot} does, it needs the vault unlocked and {@code passphrase} its passphrase:
   * a slot outlives a passwd, so whoever briefly holds the unlocked socket must not plant one.
   * Returns the new slot's index (as {@link #keySlots} lists it).
   */
  public synchronized int addKeySlot(String kind, Secret secret, Secret passphrase) throws VaultException, IOException {
    VaultSession open = requireUnlocked();
    KeySlots.Kind wanted = KeyRing.kind(kind); // a bad kind is said before the passphrase is derived
    ring.requirePassphrase(open.keySpec(), open.key(), passphrase);
    return ring.add(wanted, secret, open.key());
  }

  /**
   * Removes slot {@code index}: never the last way in, and never the last passphrase slot (the
   * vault header's passphrase, which the first one replaced, would open the vault again). As
   * {@code passwd} does, it needs the vault's passphrase, and the vault unlocked: whoever reaches
   * the socket of a locked vault must not be able to lock its owner out.
   */
  public synchronized void removeKeySlot(int index, Secret passphrase) throws VaultException, IOException {
    VaultSession open = requireUnlocked();
    ring.requirePassphrase(open.keySpec(), open.key(), passphrase);
    byte[] utf8 = passphrase.toUtf8();
    try {
      ring.remove(index, utf8, KeyRing.keyCheck(open.key()));
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
  }

  /**
   * Rewraps the slot of {@code kind} that {@code old} opens (for a passphrase on a vault without
   * one: the vault header's) so that {@code replacement} opens it instead. Re-encrypts no
   * credential and needs no unlock: one atomic replace of the slots file, so a crash leaves the
   * old secret working or the new, never neither. A vault header that still has a way in of its
   * own loses it next (the vault file written anew): once a slot exists, only the slots open it.
   */
  public void rewrap(String kind, Secret old, Secret replacement) throws VaultException, IOException {
    synchronized (unlocking) { // no unlock settles the journal of the file this may write anew
      synchronized (this) {
        passwd.rewrap(kind, old, replacement);
      }
    }
  }

  /**
   * {@code passwd --rekey}: a new data key, every credential sealed anew under it, and one
   * passphrase slot, {@code replacement}'s ({@link Passwd#rekey}). The vault must be unlocked and
   * {@code old} its passphrase.
   */
  public void rekey(Secret old, Secret replacement) throws VaultException, IOException {
    synchronized (unlocking) {
      synchronized (this) {
        passwd.rekey(requireUnlocked(), old, replacement);
      }
    }
  }

  private VaultSession requireUnlocked() throws VaultLockedException {
    VaultSession open = session.get();
    if (open == null) {
      throw new VaultLockedException();
    }
    return open;
  }
}
