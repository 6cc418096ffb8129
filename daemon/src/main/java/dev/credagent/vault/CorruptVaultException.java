package dev.credagent.vault;

/** The vault file cannot be read as a credagent vault; we never overwrite it in that state. */
public final class CorruptVaultException extends VaultException {
  public CorruptVaultException(String why) {
    super("the vault file cannot be read: " + why);
  }
}
