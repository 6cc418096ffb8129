package dev.credagent.vault;

/** The passphrase does not open the vault. */
public final class WrongPassphraseException extends VaultException {
  public WrongPassphraseException() {
    super("wrong passphrase");
  }

  /** The same, saying more: what was typed looked like a recovery key, and why it is none. */
  public WrongPassphraseException(String message) {
    super(message);
  }
}
