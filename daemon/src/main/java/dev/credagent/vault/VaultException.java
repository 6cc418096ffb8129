package dev.credagent.vault;

/** A vault operation failed for a reason its caller can report or act on. */
public abstract sealed class VaultException extends Exception
    permits VaultLockedException, WrongPassphraseException, CredentialNotFoundException, CorruptVaultException,
    VaultFullException {
  VaultException(String message) {
    super(message, null, false, false);
  }
}
