package dev.credagent.vault;

import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;

/**
 * The key and the open credentials, while unlocked, and where the files stand. The maps are never
 * changed, only replaced.
 */
record VaultSession(VaultFormat.KeySpec keySpec, VaultKey key, SortedMap<String, Credential> credentials,
    Map<String, String> sources, VaultFiles.OnDisk disk) {
  VaultSession with(SortedMap<String, Credential> replacement) {
    return new VaultSession(keySpec, key, replacement, sources, disk);
  }

  VaultSession with(VaultFiles.OnDisk written) {
    return new VaultSession(keySpec, key, credentials, sources, written);
  }

  /** The same, its header without a way in of its own: only the key slots open what it writes. */
  VaultSession slotsOnly() {
    return new VaultSession(keySpec.slotsOnly(), key, credentials, sources, disk);
  }

  /** This session written as a new vault file (and an empty journal); where the files stand then. */
  VaultFiles.OnDisk writeWhole(VaultFiles files) throws IOException, VaultLockedException {
    return files.writeWhole(keySpec, key, credentials, sources, disk == null ? null : disk.snapshotNonce());
  }

  void wipe() {
    key.destroy();
    credentials.values().forEach(credential -> credential.secret().destroy());
  }
}
