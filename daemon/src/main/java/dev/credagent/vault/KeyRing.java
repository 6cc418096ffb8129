package dev.credagent.vault;

import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The vault's key ring: its data key, wrapped once per key slot in {@code vault.slots} (see {@link
 * KeySlots}): which key a secret opens, and the slots added, removed and rewrapped, each change one
 * atomic replace of the slots file. What the vault file and its open session hold, and the locks
 * that order unlocks and writes, stay the {@link Vault}'s, which calls this under them.
 */
final class KeyRing {
  private static final Logger LOG = Logger.getLogger(KeyRing.class.getName());

  private final Path vaultFile;
  private final Path slotsFile;
  /** The cost of a slot wrapped now (a calibration, for the daemon). */
  private final Supplier<KdfParams> params;
  private final SecureRandom random;

  KeyRing(Path vaultFile, Supplier<KdfParams> params, SecureRandom random) {
    this.vaultFile = vaultFile;
    this.slotsFile = KeySlots.pathFor(vaultFile);
    this.params = params;
    this.random = random;
  }

  Path file() {
    return slotsFile;
  }

  /** The slots file's bytes, or null where there is none. */
  byte[] bytes() throws IOException {
    return VaultFiles.readIfThere(slotsFile);
  }

  List<KeySlots.Slot> read() throws VaultException, IOException {
    return decode(bytes());
  }

  private List<KeySlots.Slot> decode(byte[] slotsBytes) throws VaultException {
    return slotsBytes == null ? List.of() : KeySlots.decode(slotsFile, slotsBytes);
  }

  /** Replaces the slots file whole, durably: a crash leaves the old slots or these. */
  void write(List<KeySlots.Slot> slots) throws IOException {
    DurableFile.replace(slotsFile, KeySlots.encode(slots));
  }

  /** A slot of {@code kind} that {@code secret} opens, wrapping {@code key}, at the cost of now. */
  KeySlots.Slot wrap(KeySlots.Kind kind, byte[] secret, byte[] key) {
    return KeySlots.Slot.wrap(kind, params.get(), secret, key, random);
  }

  /** The data key (the caller wipes it), and whether the vault header's own way in gave it. */
  record WayIn(byte[] key, boolean throughHeader) {}

  /**
   * The vault's data key, from {@code secret}: through the key slots where there are some (the
   * passphrase's first, then the recovery keys', then the login password's); else, where the
   * header still has a way in (a vault from before key slots, not yet unlocked since) and no
   * passphrase slot exists yet, derived as vaults before slots were: with the vault header's salt.
   * {@link WrongPassphraseException} when nothing opens; {@link CorruptVaultException} when the
   * slots file that alone opens the vault is missing.
   */
  WayIn dataKey(VaultFormat.KeySpec header, byte[] slotsBytes, byte[] secret, KeySlots.Kind only, byte[] check)
      throws VaultException {
    if (slotsBytes == null && !header.headerWayIn()) {
      throw missing();
    }
    if (only != null && slotsBytes == null) {
      throw new WrongPassphraseException();
    }
    if (slotsBytes != null) {
      List<KeySlots.Slot> slots = decode(slotsBytes);
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
      if (only != null || !header.headerWayIn() || hasPassphraseSlot(slots)) {
        throw new WrongPassphraseException();
      }
    }
    return new WayIn(header.params().deriveKey(secret, header.salt()), true);
  }

  private CorruptVaultException missing() {
    return new CorruptVaultException(slotsFile + " is missing, and only its key slots open " + vaultFile
        + ": restore it from a backup made since the last passwd or keyslot change");
  }

  /**
   * The data key that {@code passphrase} opens as the vault's passphrase (its passphrase slots, or
   * the vault header where there is none), or null: never through a login or recovery slot.
   */
  private byte[] passphraseKey(VaultFormat.KeySpec header, byte[] slotsBytes, byte[] passphrase, byte[] check)
      throws VaultException {
    boolean slotted = false;
    for (KeySlots.Slot slot : decode(slotsBytes)) {
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

  /**
   * {@link WrongPassphraseException} unless {@code passphrase} opens {@code key} as the vault's
   * passphrase (a passphrase slot, or the header where there is none): never a login or recovery
   * slot. What adding or removing a slot, and a rekey, ask of whoever holds the unlocked socket.
   */
  void requirePassphrase(VaultFormat.KeySpec header, VaultKey key, Secret passphrase) throws VaultException, IOException {
    byte[] slotsBytes = bytes();
    if (slotsBytes == null && !header.headerWayIn()) {
      // Gone while the vault is open: said as damage, as unlock says it, not as a wrong (throttled) passphrase.
      throw missing();
    }
    byte[] utf8 = passphrase.toUtf8();
    byte[] candidate = null;
    try {
      candidate = passphraseKey(header, slotsBytes, utf8, keyCheck(key));
      if (candidate == null || !key.matches(candidate)) {
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
   * The first step away from the vault header's own way in, for a vault opened through it: a
   * passphrase slot that the same passphrase opens, written before the header loses its way in
   * (the vault file written anew next), so that a crash between the two leaves the vault opening
   * as before, and the next unlock finishes the step. False when the slots are full (it stays).
   */
  boolean addPassphraseSlot(byte[] slotsBytes, byte[] passphrase, VaultFormat.KeySpec header, VaultKey opened)
      throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(decode(slotsBytes));
    if (slots.size() >= KeySlots.MAX_SLOTS) {
      LOG.warning(slotsFile + " has " + KeySlots.MAX_SLOTS
          + " slots: the vault header's passphrase stays a way in until one is removed");
      return false;
    }
    byte[] key = opened.copy();
    try {
      slots.addFirst(KeySlots.Slot.wrap(KeySlots.Kind.PASSPHRASE, header.params(), passphrase, key, random));
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    write(slots);
    return true;
  }

  boolean hasPassphraseSlot(byte[] slotsBytes) throws VaultException {
    return slotsBytes != null && hasPassphraseSlot(decode(slotsBytes));
  }

  private static boolean hasPassphraseSlot(List<KeySlots.Slot> slots) {
    return slots.stream().anyMatch(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE);
  }

  /**
   * The ways into the vault: its key slots, in order, and the passphrase of the vault header
   * ({@code headerWayIn}: it still has one) where no passphrase slot exists yet (index -1; it
   * cannot be removed).
   */
  List<Vault.SlotInfo> list(boolean headerWayIn) throws VaultException, IOException {
    List<Vault.SlotInfo> ways = new ArrayList<>();
    List<KeySlots.Slot> slots = read();
    if (headerWayIn && !hasPassphraseSlot(slots)) {
      ways.add(new Vault.SlotInfo(-1, KeySlots.Kind.PASSPHRASE.word(), true));
    }
    for (int i = 0; i < slots.size(); i++) {
      ways.add(new Vault.SlotInfo(i, slots.get(i).kind().word(), false));
    }
    return ways;
  }

  /** Adds a slot of {@code kind} that {@code secret} opens, wrapping {@code key}; returns its index. */
  int add(KeySlots.Kind kind, Secret secret, VaultKey key) throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(read());
    if (slots.size() >= KeySlots.MAX_SLOTS) {
      throw new IllegalArgumentException("the vault has " + KeySlots.MAX_SLOTS + " key slots already; remove one first");
    }
    byte[] copy = key.copy();
    byte[] utf8 = secret.toUtf8();
    try {
      slots.add(wrap(kind, utf8, copy));
    } finally {
      Arrays.fill(copy, (byte) 0);
      Arrays.fill(utf8, (byte) 0);
    }
    write(slots);
    return slots.size() - 1;
  }

  /**
   * Removes slot {@code index}: never the last passphrase slot (the vault header's passphrase,
   * which the first one replaced, would open the vault again), and never the passphrase slot that
   * {@code passphrase} opens: a rekey killed between its writes leaves a second passphrase slot
   * whose key fits the vault no more (the new one before the vault file is sealed anew, the old
   * one after), so "another passphrase slot is left" does not prove that another one opens the
   * vault; the one just proven does.
   */
  void remove(int index, byte[] passphrase, byte[] check) throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(read());
    if (index < 0 || index >= slots.size()) {
      throw new IllegalArgumentException("there is no key slot " + index + " (credagent keyslot list shows them)");
    }
    KeySlots.Slot gone = slots.remove(index);
    if (gone.kind() == KeySlots.Kind.PASSPHRASE && !hasPassphraseSlot(slots)) {
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
    write(slots);
  }

  /** A rewrap's outcome: the data key (the caller wipes it), and whether a passphrase slot now exists. */
  record Rewrapped(byte[] key, boolean passphraseSlotted) {}

  /**
   * Rewraps the slot of {@code wanted} that {@code old} opens (for a passphrase on a vault without
   * one: the vault header's, and, for a forgotten passphrase, a recovery key) so that {@code
   * replacement} opens it instead, and writes the slots file. {@link WrongPassphraseException}
   * when {@code old} opens none.
   */
  Rewrapped rewrap(KeySlots.Kind wanted, VaultFormat.Sealed sealed, byte[] old, byte[] replacement)
      throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(read());
    byte[] key = null;
    int at = -1;
    for (int i = 0; i < slots.size() && key == null; i++) {
      if (slots.get(i).kind() == wanted) {
        key = fitting(slots.get(i).open(old), sealed.keyCheck());
        at = key == null ? -1 : i;
      }
    }
    if (key == null && wanted == KeySlots.Kind.PASSPHRASE && sealed.keySpec().headerWayIn() && !hasPassphraseSlot(slots)) {
      byte[] candidate = sealed.keySpec().params().deriveKey(old, sealed.keySpec().salt());
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
        key = fitting(slots.get(i).open(old), sealed.keyCheck());
        byRecovery = key != null;
      }
    }
    if (key == null) {
      throw new WrongPassphraseException();
    }
    try {
      KeySlots.Slot rewrapped = wrap(wanted, replacement, key);
      if (byRecovery) {
        slots.removeIf(slot -> slot.kind() == KeySlots.Kind.PASSPHRASE); // the forgotten one opens nothing more
        slots.add(rewrapped);
      } else if (at >= 0) {
        slots.set(at, rewrapped);
      } else {
        slots.add(rewrapped);
      }
      write(slots);
    } catch (IOException | RuntimeException e) {
      Arrays.fill(key, (byte) 0);
      throw e;
    }
    return new Rewrapped(key, hasPassphraseSlot(slots));
  }

  /**
   * A rekey's first step: a passphrase slot that {@code passphrase} opens, wrapping the new data
   * key {@code fresh}, written first in the slots file beside the others (the old key still opens
   * the vault then). The slot, for the last step, which leaves it alone.
   */
  KeySlots.Slot addFirst(byte[] passphrase, byte[] fresh) throws VaultException, IOException {
    List<KeySlots.Slot> slots = new ArrayList<>(read());
    if (slots.size() >= KeySlots.MAX_SLOTS) {
      throw new IllegalArgumentException("the vault has " + KeySlots.MAX_SLOTS + " key slots: remove one first");
    }
    random.nextBytes(fresh);
    KeySlots.Slot slot = wrap(KeySlots.Kind.PASSPHRASE, passphrase, fresh);
    slots.addFirst(slot);
    write(slots);
    return slot;
  }

  /**
   * {@code key} when it is the vault's (its key check is {@code check}; null: a file too old to
   * have one), else null, wiped: a slot that a rekey killed before its end left opens a key that
   * opens nothing now, and the next slot is tried.
   */
  static byte[] fitting(byte[] key, byte[] check) {
    if (key == null || check == null || MessageDigest.isEqual(VaultFormat.keyCheck(key), check)) {
      return key;
    }
    Arrays.fill(key, (byte) 0);
    return null;
  }

  static byte[] keyCheck(VaultKey key) throws VaultLockedException {
    byte[] copy = key.copy();
    try {
      return VaultFormat.keyCheck(copy);
    } finally {
      Arrays.fill(copy, (byte) 0);
    }
  }

  static KeySlots.Kind kind(String word) {
    try {
      return KeySlots.Kind.valueOf(word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a key slot is a passphrase's, a login's or a recovery key's, not " + word);
    }
  }
}
