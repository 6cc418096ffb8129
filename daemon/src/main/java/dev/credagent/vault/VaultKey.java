package dev.credagent.vault;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The vault's AES key while unlocked. {@code lock} wipes it without waiting for a write in
 * progress, so every use takes a copy under this object's monitor: a write sees the whole key or
 * is refused, and can never seal the vault under a half-wiped one.
 */
final class VaultKey {
  private final byte[] key;
  private boolean destroyed;

  /** Takes ownership of {@code key}. */
  VaultKey(byte[] key) {
    this.key = key;
  }

  /** A copy the caller wipes; throws when the vault was locked meanwhile. */
  synchronized byte[] copy() throws VaultLockedException {
    if (destroyed) {
      throw new VaultLockedException();
    }
    return key.clone();
  }

  /** Compares in constant time; false once destroyed. */
  synchronized boolean matches(byte[] candidate) {
    return !destroyed && MessageDigest.isEqual(key, candidate);
  }

  synchronized void destroy() {
    Arrays.fill(key, (byte) 0);
    destroyed = true;
  }
}
