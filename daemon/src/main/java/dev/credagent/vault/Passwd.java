package dev.credagent.vault;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code passwd}: a key slot rewrapped (the data key as it was), and {@code passwd --rekey}: the
 * vault sealed under a new data key. Each step durable, so that a kill at any moment leaves the
 * old secret or the new one opening one consistent vault. The {@link Vault} calls these holding
 * its unlock and write locks; what they change of the open session is published as a write is.
 */
final class Passwd {
  private final Path file;
  private final Path journal;
  private final KeyRing ring;
  private final VaultOpener opener;
  private final VaultFiles files;
  private final AtomicReference<VaultSession> session;

  Passwd(Path file, Path journal, KeyRing ring, VaultOpener opener, VaultFiles files, AtomicReference<VaultSession> session) {
    this.file = file;
    this.journal = journal;
    this.ring = ring;
    this.opener = opener;
    this.files = files;
    this.session = session;
  }

  /**
   * Rewraps the slot of {@code kind} that {@code old} opens (for a passphrase on a vault without
   * one: the vault header's) so that {@code replacement} opens it instead. Re-encrypts no
   * credential and needs no unlock: one atomic replace of the slots file, so a crash leaves the
   * old secret working or the new, never neither. A vault header that still has a way in of its
   * own loses it next (the vault file written anew): once a slot exists, only the slots open it.
   */
  void rewrap(String kind, Secret old, Secret replacement) throws VaultException, IOException {
    KeySlots.Kind wanted = KeyRing.kind(kind);
    byte[] oldUtf8 = old.toUtf8();
    byte[] newUtf8 = replacement.toUtf8();
    byte[] key = null;
    try {
      byte[] sealedBytes = VaultFiles.readIfThere(file);
      if (sealedBytes == null) {
        throw new IOException("there is no vault yet: credagent unlock creates one");
      }
      VaultFormat.Sealed sealed = opener.parse(sealedBytes);
      KeyRing.Rewrapped rewrapped = ring.rewrap(wanted, sealed, oldUtf8, newUtf8);
      key = rewrapped.key();
      if (sealed.keySpec().headerWayIn() && rewrapped.passphraseSlotted()) {
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
  void rekey(VaultSession open, Secret old, Secret replacement) throws VaultException, IOException {
    ring.requirePassphrase(open.keySpec(), open.key(), old);
    byte[] newUtf8 = replacement.toUtf8();
    byte[] fresh = new byte[KdfParams.KEY_BYTES];
    try {
      KeySlots.Slot slot = ring.addFirst(newUtf8, fresh);
      VaultSession rekeyed = new VaultSession(open.keySpec().slotsOnly(), new VaultKey(fresh.clone()), open.credentials(),
          open.sources(), open.disk());
      VaultSession written = rekeyed.with(rekeyed.writeWhole(files));
      // Published before the last step: from here every write must be under the new key.
      if (session.compareAndSet(open, written)) {
        open.key().destroy(); // the credentials are the new session's now
      } else {
        written.key().destroy(); // locked meanwhile, which wiped the credentials; the files are written
      }
      ring.write(List.of(slot));
    } finally {
      Arrays.fill(newUtf8, (byte) 0);
      Arrays.fill(fresh, (byte) 0);
    }
  }

  /**
   * Writes the vault file anew without the header's own way in (the slots, written before, open it
   * now): from the open session, or, while locked, from the files opened with {@code key} (not
   * taken). A crash before the new file is in place leaves the old one, which the next unlock or
   * passwd writes anew.
   */
  private void dropHeaderWayIn(VaultFormat.Sealed sealed, long sealedLength, byte[] key) throws VaultException, IOException {
    VaultSession open = session.get();
    if (open != null) {
      VaultSession updated = open.slotsOnly();
      VaultSession written = updated.with(updated.writeWhole(files));
      if (!session.compareAndSet(open, written)) {
        written.wipe(); // locked meanwhile: the file is written all the same
      }
      return;
    }
    VaultOpener.Opened opened = opener.open(sealed, VaultFiles.readIfThere(journal), key.clone(), false);
    VaultSession onDisk = opened.session().with(new VaultFiles.OnDisk(sealed.nonce(), sealedLength, 0, 0));
    try {
      onDisk = onDisk.with(files.settle(onDisk.disk(), opened.replay()));
      onDisk.slotsOnly().writeWhole(files);
    } finally {
      onDisk.wipe();
      if (opened.replay() != null) {
        opened.replay().records().forEach(record -> Arrays.fill(record, (byte) 0));
      }
    }
  }
}
