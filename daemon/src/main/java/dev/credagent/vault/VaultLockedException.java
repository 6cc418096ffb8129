package dev.credagent.vault;

/** The vault holds no key in memory; the user has to unlock it first. */
public final class VaultLockedException extends VaultException {
  public VaultLockedException() {
    this("the credagent vault is locked; run `credagent unlock`");
  }

  public VaultLockedException(String message) {
    super(message);
  }
}
