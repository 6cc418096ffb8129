package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Logger;

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
  private final Path slotsFile;
  private final Supplier<KdfParams> paramsForNewVault;
  private final SecureRandom random;
  /** How a change reaches the disk: appended to the journal, or the whole vault written anew. */
  private final VaultFiles files;
  private final AtomicReference<Session> session = new AtomicReference<>();
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

  /**
   * The key and the open credentials, while unlocked, and where the files stand. The maps are never
   * changed, only replaced.
   */
  private record Session(VaultFormat.KeySpec keySpec, VaultKey key, SortedMap<String, Credential> credentials,
      Map<String, String> sources, VaultFiles.OnDisk disk) {
    Session with(SortedMap<String, Credential> replacement) {
      return new Session(keySpec, key, replacement, sources, disk);
    }

    Session with(VaultFiles.OnDisk written) {
      return new Session(keySpec, key, credentials, sources, written);
    }

    void wipe() {
      key.destroy();
      credentials.values().forEach(credential -> credential.secret().destroy());
    }
  }

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
    this.slotsFile = KeySlots.pathFor(file);
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
    byte[] sealedBytes = readIfThere(file);
    if (sealedBytes == null) {
      return null;
    }
    VaultFormat.Sealed sealed;
    try {
      sealed = VaultFormat.parse(sealedBytes);
    } catch (CorruptVaultException e) {
      return file + ": " + e.reason();
    }
    Path slots = KeySlots.pathFor(file);
    byte[] slotsBytes = readIfThere(slots);
    if (slotsBytes == null && !sealed.keySpec().headerWayIn()) {
      return slots + " is missing, and only its key slots open " + file + ": restore it from a backup";
    }
    if (slotsBytes != null) {
      try {
        KeySlots.decode(slots, slotsBytes);
      } catch (CorruptVaultException damaged) {
        return damaged.reason();
      }
    }
    Path journal = Journal.pathFor(file);
    byte[] journalBytes = readIfThere(journal);
    if (journalBytes == null) {
      return null;
    }
    Journal.Shape shape = Journal.inspect(journalBytes);
    if (shape == null) {
      return journal + " is not a credagent journal";
    }
    boolean foreign = !names(journalBytes, sealed.nonce());
    if (foreign && !sealed.legacy() && !names(journalBytes, sealed.previousNonce())) {
      return journal + " names another vault file than " + file + " (or its header is damaged at byte "
          + (Journal.MAGIC.length + 1) + "); the next unlock will refuse it: keep a copy, and restore both from one backup";
    }
    if (foreign || shape.format() != Journal.FORMAT_VERSION) {
      return null; // stale, ignored at the next unlock, or written anew then
    }
    if (shape.damagedAt() >= 0) {
      return journal + " is damaged at byte " + shape.damagedAt() + " (record " + shape.records() + ": "
          + shape.damage() + "); the next unlock will refuse it: keep a copy, and restore it from a backup";
    }
    return null;
  }

  /** Whether the journal's header names the vault file sealed with {@code nonce}. */
  private static boolean names(byte[] journalBytes, byte[] nonce) {
    return Arrays.equals(journalBytes, Journal.MAGIC.length + 1, Journal.HEADER_BYTES, nonce, 0, nonce.length);
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
    KeySlots.Kind only = onlySlot == null ? null : kind(onlySlot);
    byte[] utf8 = passphrase.toUtf8();
    try {
      synchronized (unlocking) {
        Session open = session.get();
        if (open != null) {
          return checkPassphrase(open, utf8, locksSeen, only);
        }
        byte[] sealedBytes;
        byte[] journalBytes;
        byte[] slotsBytes;
        synchronized (this) { // not in the middle of a write that a lock interrupted
          sealedBytes = readIfThere(file);
          journalBytes = readIfThere(journal);
          slotsBytes = readIfThere(slotsFile);
        }
        if (sealedBytes == null && only != null) {
          throw new IOException("there is no vault yet to open with a " + only.word() + " key slot");
        }
        if (sealedBytes == null) {
          create(utf8, locksSeen);
          return Unlocked.CREATED;
        }
        VaultFormat.Sealed sealed;
        try {
          sealed = VaultFormat.parse(sealedBytes);
        } catch (CorruptVaultException unreadable) {
          throw new CorruptVaultException(file + ": " + unreadable.reason());
        }
        Opened opened = open(sealed, journalBytes, slotsBytes, utf8, only);
        Session session = opened.session().with(new VaultFiles.OnDisk(sealed.nonce(), sealedBytes.length, 0, 0));
        boolean dropHeaderWayIn;
        try {
          dropHeaderWayIn = sealed.keySpec().headerWayIn()
              && (opened.throughHeader() ? addPassphraseSlot(slotsBytes, utf8, session) : hasPassphraseSlot(slotsBytes));
        } catch (VaultException | IOException | RuntimeException e) {
          session.wipe();
          throw e;
        }
        if (dropHeaderWayIn) {
          session = new Session(sealed.keySpec().slotsOnly(), session.key(), session.credentials(), session.sources(),
              session.disk());
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

  /**
   * The first step away from the vault header's own way in, for a vault opened through it: a
   * passphrase slot that the same passphrase opens, written before the header loses its way in
   * (the vault file written anew next), so that a crash between the two leaves the vault opening
   * as before, and the next unlock finishes the step. False when the slots are full (it stays).
   */
  private boolean addPassphraseSlot(byte[] slotsBytes, byte[] passphrase, Session opened) throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(slotsBytes == null ? List.of() : KeySlots.decode(slotsFile, slotsBytes));
    if (slots.size() >= KeySlots.MAX_SLOTS) {
      Logger.getLogger(Vault.class.getName()).warning(slotsFile + " has " + KeySlots.MAX_SLOTS
          + " slots: the vault header's passphrase stays a way in until one is removed");
      return false;
    }
    byte[] key = opened.key().copy();
    try {
      slots.addFirst(KeySlots.Slot.wrap(KeySlots.Kind.PASSPHRASE, opened.keySpec().params(), passphrase, key, random));
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    synchronized (this) {
      DurableFile.replace(slotsFile, KeySlots.encode(slots));
    }
    return true;
  }

  private boolean hasPassphraseSlot(byte[] slotsBytes) throws VaultException {
    return slotsBytes != null
        && KeySlots.decode(slotsFile, slotsBytes).stream().anyMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE);
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

  /**
   * Server to username, in server order: a view of the credentials open now, not a copy (a list of
   * 10,000 would otherwise sort and copy 10,000 entries each time).
   */
  public Map<String, String> list() throws VaultLockedException {
    return view(requireUnlocked().credentials());
  }

  /**
   * The same, of the keys from {@code from} (inclusive) to {@code to} (exclusive; null: to the
   * end): a range of the sorted keys, as a view.
   */
  public Map<String, String> list(String from, String to) throws VaultLockedException {
    SortedMap<String, Credential> all = requireUnlocked().credentials();
    return view(to == null ? all.tailMap(from) : all.subMap(from, to));
  }

  private static Map<String, String> view(SortedMap<String, Credential> credentials) {
    return new AbstractMap<>() {
      @Override
      public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public Iterator<Entry<String, String>> iterator() {
            Iterator<Entry<String, Credential>> each = credentials.entrySet().iterator();
            return new Iterator<>() {
              @Override
              public boolean hasNext() {
                return each.hasNext();
              }

              @Override
              public Entry<String, String> next() {
                Entry<String, Credential> entry = each.next();
                return new SimpleImmutableEntry<>(entry.getKey(), entry.getValue().username());
              }
            };
          }

          @Override
          public int size() {
            return credentials.size();
          }
        };
      }

      @Override
      public String get(Object server) {
        Credential credential = credentials.get(server);
        return credential == null ? null : credential.username();
      }

      @Override
      public boolean containsKey(Object server) {
        return credentials.containsKey(server);
      }
    };
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
    Session open = requireUnlocked();
    // Sorted as it is kept, so a list is a walk, not a sort; a copy of a sorted map is linear.
    SortedMap<String, Credential> next = new TreeMap<>(open.credentials());
    Map<String, String> nextSources = new HashMap<>(open.sources()); // a few definitions: copied whole
    List<VaultException> outcomes = new ArrayList<>(changes.size());
    List<Change> made = new ArrayList<>(changes.size());
    List<Credential> superseded = new ArrayList<>();
    long content = contentChars;
    for (Change change : changes) {
      long after = content + switch (change) {
        case Put put -> size(put.server(), put.credential()) - size(put.server(), next.get(put.server()));
        case Remove remove -> -size(remove.server(), next.get(remove.server()));
        case PutSource source -> size(source.server(), source.definition()) - size(source.server(), nextSources.get(source.server()));
        case RemoveSource source -> -size(source.server(), nextSources.get(source.server()));
      };
      if (after > MAX_CONTENT_CHARS) {
        outcomes.add(new VaultFullException(content));
        if (change instanceof Put put) {
          put.credential().secret().destroy();
        }
        continue;
      }
      VaultException notThere = switch (change) {
        case Put put -> {
          superseded.add(next.put(put.server(), put.credential()));
          yield null;
        }
        case Remove remove -> {
          Credential gone = next.remove(remove.server());
          superseded.add(gone);
          yield gone == null ? new CredentialNotFoundException(remove.server()) : null;
        }
        case PutSource source -> {
          nextSources.put(source.server(), source.definition());
          yield null;
        }
        case RemoveSource source -> nextSources.remove(source.server()) == null
            ? CredentialNotFoundException.noSource(source.server()) : null;
      };
      outcomes.add(notThere);
      if (notThere == null) {
        content = after;
        made.add(change);
      }
    }
    if (!made.isEmpty()) {
      Session updated = new Session(open.keySpec(), open.key(), Collections.unmodifiableSortedMap(next),
          Collections.unmodifiableMap(nextSources), open.disk());
      commit(open, updated, made, whole);
      contentChars = content;
      // Replaced or erased: out of the vault now (or wiped by the lock that came during the write).
      superseded.stream().filter(Objects::nonNull).forEach(credential -> credential.secret().destroy());
    }
    return outcomes;
  }

  /** Applies one change, throwing why it could not be made. */
  private void applyOne(Change change) throws VaultException, IOException {
    VaultException outcome = apply(List.of(change)).getFirst();
    if (outcome != null) {
      throw outcome;
    }
  }

  private static long size(String server, Credential credential) throws VaultLockedException {
    if (credential == null) {
      return 0;
    }
    try {
      return server.length() + credential.username().length() + credential.secret().length();
    } catch (Secret.DestroyedSecretException lockedMeanwhile) {
      throw new VaultLockedException();
    }
  }

  private static long size(String registry, String definition) {
    return definition == null ? 0 : registry.length() + definition.length();
  }

  private static long size(SortedMap<String, Credential> credentials, Map<String, String> sources)
      throws VaultLockedException {
    long total = 0;
    for (Map.Entry<String, Credential> entry : credentials.entrySet()) {
      total += size(entry.getKey(), entry.getValue());
    }
    for (Map.Entry<String, String> source : sources.entrySet()) {
      total += size(source.getKey(), source.getValue());
    }
    return total;
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

  private Unlocked checkPassphrase(Session open, byte[] passphrase, long locksSeen, KeySlots.Kind only)
      throws VaultException {
    byte[] candidate;
    try {
      candidate = dataKey(open.keySpec(), readIfThere(slotsFile), passphrase, only, keyCheck(open)).key();
    } catch (IOException e) {
      throw new CorruptVaultException(slotsFile + " cannot be read: " + e.getMessage());
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
    Session fresh = new Session(VaultFormat.KeySpec.fresh(params, random).slotsOnly(), new VaultKey(key),
        Collections.emptySortedMap(), Map.of(),
        null);
    synchronized (this) {
      if (locks.get() != locksSeen) {
        fresh.wipe();
        throw new VaultLockedException(LOCKED_WHILE_WAITING);
      }
      keepAside(journal, "orphaned"); // a journal without its vault file: nothing opens it, but nothing is lost unseen
      try {
        DurableFile.replace(slotsFile, KeySlots.encode(List.of(slot)));
      } catch (IOException | RuntimeException e) {
        fresh.wipe();
        throw e;
      }
      install(fresh.with(writeWhole(fresh)), null, false, locksSeen);
    }
  }

  /**
   * Publishes an opened (or created) session unless a lock came since {@code locksSeen}, first
   * setting its journal straight: a fresh one when there is none or it is stale ({@code replay}
   * null), the torn tail cut off when a crash left one; with {@code rewrite} (files of an older
   * format), everything written anew in the current one.
   */
  private void install(Session opened, Journal.Replay replay, boolean rewrite, long locksSeen)
      throws VaultLockedException, IOException {
    synchronized (this) {
      if (locks.get() == locksSeen && session.get() == null) {
        Session ready;
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
              ready = ready.with(writeWhole(ready));
            }
          }
        } catch (IOException | RuntimeException e) {
          opened.wipe();
          throw e;
        }
        session.set(ready);
        contentChars = size(ready.credentials(), ready.sources());
        return;
      }
    }
    opened.wipe();
    throw new VaultLockedException(LOCKED_WHILE_WAITING);
  }

  /** An opened vault file with its journal applied, and what was in the journal. */
  private record Opened(Session session, Journal.Replay replay, boolean throughHeader) {}

  private Opened open(VaultFormat.Sealed sealed, byte[] journalBytes, byte[] slotsBytes, byte[] passphrase,
      KeySlots.Kind only) throws VaultException {
    WayIn way = dataKey(sealed.keySpec(), slotsBytes, passphrase, only, sealed.keyCheck());
    return open(sealed, journalBytes, way.key(), way.throughHeader());
  }

  /** The same with the data key known ({@code key}, which this takes ownership of). */
  private Opened open(VaultFormat.Sealed sealed, byte[] journalBytes, byte[] key, boolean throughHeader)
      throws VaultException {
    byte[] plaintext;
    try {
      plaintext = VaultFormat.open(sealed, key);
    } catch (CorruptVaultException damaged) {
      Arrays.fill(key, (byte) 0);
      throw new CorruptVaultException(file + ": " + damaged.reason());
    }
    if (plaintext == null) {
      Arrays.fill(key, (byte) 0);
      throw new WrongPassphraseException();
    }
    VaultBody.Contents contents = null;
    Journal.Replay replay = null;
    try {
      contents = VaultBody.decode(plaintext);
      replay = Journal.read(journal, journalBytes, sealed.nonce(), sealed.previousNonce(), key);
      if (replay != null) {
        for (byte[] record : replay.records()) {
          JournalRecord.apply(record, contents);
        }
      }
      return new Opened(new Session(sealed.keySpec(), new VaultKey(key), Collections.unmodifiableSortedMap(contents.credentials()),
          Collections.unmodifiableMap(contents.sources()), null), replay, throughHeader);
    } catch (CorruptVaultException | RuntimeException e) {
      Arrays.fill(key, (byte) 0);
      if (contents != null) {
        contents.credentials().values().forEach(credential -> credential.secret().destroy());
      }
      throw e;
    } finally {
      Arrays.fill(plaintext, (byte) 0);
      if (replay != null) {
        replay.records().forEach(record -> Arrays.fill(record, (byte) 0));
      }
    }
  }

  /**
   * Makes {@code changes} (which turned {@code open} into {@code updated}) durable, then publishes
   * {@code updated}; false when a lock came during the write (the change is on disk all the same,
   * and the new secrets are wiped with the rest).
   */
  private boolean commit(Session open, Session updated, List<? extends Change> changes, boolean whole)
      throws IOException, VaultLockedException {
    Session written = updated.with(whole || open.disk().foldDue() ? writeWhole(updated)
        : files.append(open.disk(), open.key(), changes));
    if (session.compareAndSet(open, written)) {
      return true;
    }
    written.wipe();
    return false;
  }

  private VaultFiles.OnDisk writeWhole(Session state) throws IOException, VaultLockedException {
    return files.writeWhole(state.keySpec(), state.key(), state.credentials(), state.sources(),
        state.disk() == null ? null : state.disk().snapshotNonce());
  }

  /**
   * {@code key} when it is the vault's (its key check is {@code check}; null: a file too old to
   * have one), else null, wiped: a slot that a rekey killed before its end left opens a key that
   * opens nothing now, and the next slot is tried.
   */
  private static byte[] fitting(byte[] key, byte[] check) {
    if (key == null || check == null || MessageDigest.isEqual(VaultFormat.keyCheck(key), check)) {
      return key;
    }
    Arrays.fill(key, (byte) 0);
    return null;
  }

  private static byte[] keyCheck(Session open) throws VaultLockedException {
    byte[] key = open.key().copy();
    try {
      return VaultFormat.keyCheck(key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** The data key (the caller wipes it), and whether the vault header's own way in gave it. */
  private record WayIn(byte[] key, boolean throughHeader) {}

  /**
   * The vault's data key, from {@code secret}: through the key slots where there are some (the
   * passphrase's first, then the recovery keys', then the login password's); else, where the
   * header still has a way in (a vault from before key slots, not yet unlocked since) and no
   * passphrase slot exists yet, derived as vaults before slots were: with the vault header's salt.
   * {@link WrongPassphraseException} when nothing opens; {@link CorruptVaultException} when the
   * slots file that alone opens the vault is missing.
   */
  private WayIn dataKey(VaultFormat.KeySpec header, byte[] slotsBytes, byte[] secret, KeySlots.Kind only, byte[] check)
      throws VaultException {
    if (slotsBytes == null && !header.headerWayIn()) {
      throw new CorruptVaultException(slotsFile + " is missing, and only its key slots open " + file
          + ": restore it from a backup made since the last passwd or keyslot change");
    }
    if (only != null && slotsBytes == null) {
      throw new WrongPassphraseException();
    }
    if (slotsBytes != null) {
      List<KeySlots.Slot> slots = KeySlots.decode(slotsFile, slotsBytes);
      for (KeySlots.Kind kind : only != null ? List.of(only)
          : List.of(KeySlots.Kind.PASSPHRASE, KeySlots.Kind.RECOVERY, KeySlots.Kind.LOGIN)) {
        for (KeySlots.Slot slot : slots) {
          if (slot.kind() == kind) {
            byte[] key = fitting(slot.open(secret), check);
            if (key != null) {
              return new WayIn(key, false);
            }
          }
        }
      }
      if (only != null || !header.headerWayIn() || slots.stream().anyMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE)) {
        throw new WrongPassphraseException();
      }
    }
    return new WayIn(header.params().deriveKey(secret, header.salt()), true);
  }

  /**
   * The data key that {@code passphrase} opens as the vault's passphrase (its passphrase slots, or
   * the vault header where there is none), or null: never through a login or recovery slot.
   */
  private byte[] passphraseKey(VaultFormat.KeySpec header, byte[] slotsBytes, byte[] passphrase, byte[] check)
      throws VaultException {
    List<KeySlots.Slot> slots = slotsBytes == null ? List.of() : KeySlots.decode(slotsFile, slotsBytes);
    boolean slotted = false;
    for (KeySlots.Slot slot : slots) {
      if (slot.kind() == KeySlots.Kind.PASSPHRASE) {
        slotted = true;
        byte[] key = fitting(slot.open(passphrase), check);
        if (key != null) {
          return key;
        }
      }
    }
    return slotted || !header.headerWayIn() ? null : header.params().deriveKey(passphrase, header.salt());
  }

  /** A way into the vault, as {@code credagent keyslot list} shows it. */
  public record SlotInfo(int index, String kind, boolean header) {}

  /**
   * The ways into the vault: its key slots, in order, and the passphrase of the vault header where
   * no passphrase slot exists yet (index -1; it cannot be removed).
   */
  public synchronized List<SlotInfo> keySlots() throws VaultException, IOException {
    List<SlotInfo> ways = new ArrayList<>();
    List<KeySlots.Slot> slots = readSlots();
    byte[] sealedBytes = readIfThere(file);
    boolean headerWayIn = sealedBytes == null || VaultFormat.parse(sealedBytes).keySpec().headerWayIn();
    if (headerWayIn && slots.stream().noneMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE)) {
      ways.add(new SlotInfo(-1, KeySlots.Kind.PASSPHRASE.word(), true));
    }
    for (int i = 0; i < slots.size(); i++) {
      ways.add(new SlotInfo(i, slots.get(i).kind().word(), false));
    }
    return ways;
  }

  /**
   * Adds a slot of {@code kind} ("login", "recovery", "passphrase") that {@code secret} opens. As
   * {@link #removeKeySlot} does, it needs the vault unlocked and {@code passphrase} its passphrase:
   * a slot outlives a passwd, so whoever briefly holds the unlocked socket must not plant one.
   */
  public synchronized void addKeySlot(String kind, Secret secret, Secret passphrase) throws VaultException, IOException {
    Session open = requireUnlocked();
    KeySlots.Kind wanted = kind(kind); // a bad kind is said before the passphrase is derived
    requirePassphrase(open, passphrase);
    List<KeySlots.Slot> slots = new ArrayList<>(readSlots());
    if (slots.size() >= KeySlots.MAX_SLOTS) {
      throw new IllegalArgumentException("the vault has " + KeySlots.MAX_SLOTS + " key slots already; remove one first");
    }
    byte[] key = open.key().copy();
    byte[] utf8 = secret.toUtf8();
    try {
      slots.add(KeySlots.Slot.wrap(wanted, paramsForNewVault.get(), utf8, key, random));
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(utf8, (byte) 0);
    }
    DurableFile.replace(slotsFile, KeySlots.encode(slots));
  }

  /**
   * {@link WrongPassphraseException} unless {@code passphrase} opens the open vault's key as its
   * passphrase (a passphrase slot, or the header where there is none): never a login or recovery slot.
   */
  private void requirePassphrase(Session open, Secret passphrase) throws VaultException, IOException {
    byte[] utf8 = passphrase.toUtf8();
    byte[] candidate = null;
    try {
      candidate = passphraseKey(open.keySpec(), readIfThere(slotsFile), utf8, keyCheck(open));
      if (candidate == null || !open.key().matches(candidate)) {
        throw new WrongPassphraseException();
      }
    } finally {
      Arrays.fill(utf8, (byte) 0);
      if (candidate != null) {
        Arrays.fill(candidate, (byte) 0);
      }
    }
  }

  /**
   * Removes slot {@code index}: never the last way in, and never the last passphrase slot (the
   * vault header's passphrase, which the first one replaced, would open the vault again). As
   * {@code passwd} does, it needs the vault's passphrase, and the vault unlocked: whoever reaches
   * the socket of a locked vault must not be able to lock its owner out.
   */
  public synchronized void removeKeySlot(int index, Secret passphrase) throws VaultException, IOException {
    Session open = requireUnlocked();
    requirePassphrase(open, passphrase);
    byte[] utf8 = passphrase.toUtf8();
    try {
      removeSlot(index, utf8, keyCheck(open));
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
  }

  /**
   * Removes slot {@code index}, refusing the passphrase slot that {@code passphrase} opens: a rekey
   * killed between its writes leaves a second passphrase slot whose key fits the vault no more
   * (the new one before the vault file is sealed anew, the old one after), so "another passphrase
   * slot is left" does not prove that another one opens the vault; the one just proven does.
   */
  private void removeSlot(int index, byte[] passphrase, byte[] check) throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(readSlots());
    if (index < 0 || index >= slots.size()) {
      throw new IllegalArgumentException("there is no key slot " + index + " (credagent keyslot list shows them)");
    }
    KeySlots.Slot gone = slots.remove(index);
    boolean lastPassphrase = gone.kind() == KeySlots.Kind.PASSPHRASE
        && slots.stream().noneMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE);
    if (lastPassphrase) {
      throw new IllegalArgumentException("key slot " + index + " is the vault's only passphrase slot: change the"
          + " passphrase with credagent passwd instead");
    }
    if (gone.kind() == KeySlots.Kind.PASSPHRASE) {
      byte[] opens = fitting(gone.open(passphrase), check);
      if (opens != null) {
        Arrays.fill(opens, (byte) 0);
        throw new IllegalArgumentException("key slot " + index + " is the passphrase slot that opens the vault (the"
            + " other is left by an interrupted passwd --rekey and opens nothing): remove that one instead");
      }
    }
    if (slots.isEmpty()) {
      Files.deleteIfExists(slotsFile); // the vault header's passphrase is the way in again
      return;
    }
    DurableFile.replace(slotsFile, KeySlots.encode(slots));
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
        rewrapNow(kind, old, replacement);
      }
    }
  }

  private void rewrapNow(String kind, Secret old, Secret replacement) throws VaultException, IOException {
    KeySlots.Kind wanted = kind(kind);
    byte[] oldUtf8 = old.toUtf8();
    byte[] newUtf8 = replacement.toUtf8();
    byte[] key = null;
    try {
      List<KeySlots.Slot> slots = new ArrayList<>(readSlots());
      byte[] sealedBytes = readIfThere(file);
      if (sealedBytes == null) {
        throw new IOException("there is no vault yet: credagent unlock creates one");
      }
      VaultFormat.Sealed sealed;
      try {
        sealed = VaultFormat.parse(sealedBytes);
      } catch (CorruptVaultException unreadable) {
        throw new CorruptVaultException(file + ": " + unreadable.reason());
      }
      int at = -1;
      for (int i = 0; i < slots.size() && key == null; i++) {
        if (slots.get(i).kind() == wanted) {
          key = fitting(slots.get(i).open(oldUtf8), sealed.keyCheck());
          at = key == null ? -1 : i;
        }
      }
      if (key == null && wanted == KeySlots.Kind.PASSPHRASE && sealed.keySpec().headerWayIn()
          && slots.stream().noneMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE)) {
        byte[] candidate = sealed.keySpec().params().deriveKey(oldUtf8, sealed.keySpec().salt());
        byte[] plaintext = VaultFormat.open(sealed, candidate);
        if (plaintext == null) {
          Arrays.fill(candidate, (byte) 0);
        } else {
          Arrays.fill(plaintext, (byte) 0);
          key = candidate;
        }
      }
      boolean byRecovery = false;
      for (int i = 0; i < slots.size() && key == null && wanted == KeySlots.Kind.PASSPHRASE; i++) {
        // A forgotten passphrase: the recovery key sets a new one, as any LUKS key slot may add
        // another. It was the only way the key could not take, short of the raw protocol.
        if (slots.get(i).kind() == KeySlots.Kind.RECOVERY) {
          key = fitting(slots.get(i).open(oldUtf8), sealed.keyCheck());
          byRecovery = key != null;
        }
      }
      if (key == null) {
        throw new WrongPassphraseException();
      }
      KeySlots.Slot rewrapped = KeySlots.Slot.wrap(wanted, paramsForNewVault.get(), newUtf8, key, random);
      if (byRecovery) {
        slots.removeIf(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE); // the forgotten one opens nothing more
        slots.add(rewrapped);
      } else if (at >= 0) {
        slots.set(at, rewrapped);
      } else {
        slots.add(rewrapped);
      }
      DurableFile.replace(slotsFile, KeySlots.encode(slots));
      if (sealed.keySpec().headerWayIn() && slots.stream().anyMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE)) {
        dropHeaderWayIn(sealed, sealedBytes.length, key);
      }
    } finally {
      Arrays.fill(oldUtf8, (byte) 0);
      Arrays.fill(newUtf8, (byte) 0);
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
    }
  }

  /**
   * {@code passwd --rekey}: a new data key, every credential sealed anew under it, and one
   * passphrase slot, {@code replacement}'s; for when an old passphrase (or a copy of the slots file
   * it opens) may have leaked, since a rewrap leaves the data key, and so every backup's slots, as
   * they were. The recovery and login slots go with the old key (their secrets are not here to
   * wrap the new one): add them again. The vault must be unlocked and {@code old} its passphrase.
   *
   * <p>Three durable steps, so that a kill at any moment leaves one consistent vault: the slots file
   * with the new slot added (the old key still opens the vault: only the old passphrase does), the
   * vault file sealed under the new key (only the new passphrase opens it: a slot whose key no
   * longer fits the vault's key check opens nothing), then the slots file with the new slot alone.
   */
  public void rekey(Secret old, Secret replacement) throws VaultException, IOException {
    synchronized (unlocking) {
      synchronized (this) {
        Session open = requireUnlocked();
        byte[] oldUtf8 = old.toUtf8();
        byte[] newUtf8 = replacement.toUtf8();
        byte[] fresh = new byte[KdfParams.KEY_BYTES];
        try {
          byte[] candidate = passphraseKey(open.keySpec(), readIfThere(slotsFile), oldUtf8, keyCheck(open));
          boolean right = candidate != null && open.key().matches(candidate);
          if (candidate != null) {
            Arrays.fill(candidate, (byte) 0);
          }
          if (!right) {
            throw new WrongPassphraseException();
          }
          List<KeySlots.Slot> slots = new ArrayList<>(readSlots());
          if (slots.size() >= KeySlots.MAX_SLOTS) {
            throw new IllegalArgumentException("the vault has " + KeySlots.MAX_SLOTS + " key slots: remove one first");
          }
          random.nextBytes(fresh);
          KeySlots.Slot slot = KeySlots.Slot.wrap(KeySlots.Kind.PASSPHRASE, paramsForNewVault.get(), newUtf8, fresh, random);
          slots.addFirst(slot);
          DurableFile.replace(slotsFile, KeySlots.encode(slots));
          Session rekeyed = new Session(open.keySpec().slotsOnly(), new VaultKey(fresh.clone()), open.credentials(),
              open.sources(), open.disk());
          Session written = rekeyed.with(writeWhole(rekeyed));
          // Published before the last step: from here every write must be under the new key.
          if (session.compareAndSet(open, written)) {
            open.key().destroy(); // the credentials are the new session's now
          } else {
            written.key().destroy(); // locked meanwhile, which wiped the credentials; the files are written
          }
          DurableFile.replace(slotsFile, KeySlots.encode(List.of(slot)));
        } finally {
          Arrays.fill(oldUtf8, (byte) 0);
          Arrays.fill(newUtf8, (byte) 0);
          Arrays.fill(fresh, (byte) 0);
        }
      }
    }
  }

  /**
   * Writes the vault file anew without the header's own way in (the slots, written before, open it
   * now): from the open session, or, while locked, from the files opened with {@code key} (not
   * taken). A crash before the new file is in place leaves the old one, which the next unlock or
   * passwd writes anew.
   */
  private void dropHeaderWayIn(VaultFormat.Sealed sealed, long sealedLength, byte[] key) throws VaultException, IOException {
    Session open = session.get();
    if (open != null) {
      Session updated = new Session(open.keySpec().slotsOnly(), open.key(), open.credentials(), open.sources(), open.disk());
      Session written = updated.with(writeWhole(updated));
      if (!session.compareAndSet(open, written)) {
        written.wipe(); // locked meanwhile: the file is written all the same
      }
      return;
    }
    Opened opened = open(sealed, readIfThere(journal), key.clone(), false);
    Session files = opened.session().with(new VaultFiles.OnDisk(sealed.nonce(), sealedLength, 0, 0));
    try {
      files = files.with(this.files.settle(files.disk(), opened.replay()));
      writeWhole(new Session(sealed.keySpec().slotsOnly(), files.key(), files.credentials(), files.sources(), files.disk()));
    } finally {
      files.wipe();
      if (opened.replay() != null) {
        opened.replay().records().forEach(record -> Arrays.fill(record, (byte) 0));
      }
    }
  }

  private List<KeySlots.Slot> readSlots() throws VaultException, IOException {
    byte[] bytes = readIfThere(slotsFile);
    return bytes == null ? List.of() : KeySlots.decode(slotsFile, bytes);
  }

  private static KeySlots.Kind kind(String word) {
    try {
      return KeySlots.Kind.valueOf(word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a key slot is a passphrase's, a login's or a recovery key's, not " + word);
    }
  }

  /** Moves {@code path}, if it is there, to {@code PATH.WHY-TIME} beside it, and says so in the log. */
  private static void keepAside(Path path, String why) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      Path aside = path.resolveSibling(path.getFileName() + "." + why + "-" + Instant.now().toString().replace(":", ""));
      Files.move(path, aside);
      Logger.getLogger(Vault.class.getName()).warning(path + " had no vault file beside it; kept as " + aside);
    }
  }

  private static byte[] readIfThere(Path path) throws IOException {
    try {
      // A FIFO would block the read (and the unlock thread behind it) forever; a device or a
      // directory is no vault file either. A symlink to a regular file is read as that file.
      if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
        throw new IOException(path + " is not a regular file (a FIFO, a device or a directory): move it aside and"
            + " restore the file from a backup");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException absent) {
      return null;
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
