package dev.credagent.vault;

/** The passphrase does not open the vault. */
public final class WrongPassphraseException extends VaultException {
  public WrongPassphraseException() {
    super("wrong passphrase");
  }
}
