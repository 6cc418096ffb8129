package dev.credagent.vault;

/** No credential is stored for that server. */
public final class CredentialNotFoundException extends VaultException {
  public CredentialNotFoundException(String server) {
    super("no credentials stored for " + server);
  }
}
