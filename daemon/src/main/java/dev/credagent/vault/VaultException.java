package dev.credagent.vault;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** A vault operation failed for a reason its caller can report or act on. */
public abstract sealed class VaultException extends Exception implements AgentFailure
    permits VaultLockedException, WrongPassphraseException, CredentialNotFoundException, CorruptVaultException,
    VaultFullException {
  VaultException(String message) {
    super(message, null, false, false);
  }

  @Override
  public ErrorCode code() {
    return switch (this) {
      case VaultLockedException locked -> ErrorCode.LOCKED;
      case CredentialNotFoundException notFound -> ErrorCode.NOT_FOUND;
      case WrongPassphraseException wrong -> ErrorCode.UNAUTHORIZED;
      case CorruptVaultException corrupt -> ErrorCode.INTERNAL;
      case VaultFullException full -> ErrorCode.BAD_REQUEST;
    };
  }
}
