package dev.credagent.vault;

/**
 * A store would take the vault past {@link Vault#MAX_CONTENT_CHARS}: refused, so that every vault a
 * store can produce still unlocks within the daemon's heap.
 */
public final class VaultFullException extends VaultException {
  public VaultFullException(long used) {
    super("the vault is full: it holds " + used / 1024 + " KiB of " + Vault.MAX_CONTENT_CHARS / 1024
        + " KiB (servers, usernames and secrets); erase what you no longer need");
  }
}
