package dev.credagent.vault;

/**
 * The vault file or its journal cannot be read as credagent's: damaged, or not ours. We never
 * overwrite either in that state, and it is never taken for a wrong passphrase.
 */
public final class CorruptVaultException extends VaultException {
  private final String reason;

  public CorruptVaultException(String why) {
    super("the vault cannot be read: " + why);
    this.reason = why;
  }

  /** What is wrong, without the leading words. */
  public String reason() {
    return reason;
  }
}
