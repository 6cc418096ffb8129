package dev.credagent.vault;

/** No credential (or no source) is stored for that server. */
public final class CredentialNotFoundException extends VaultException {
  public CredentialNotFoundException(String server) {
    super("no credentials stored for " + server);
  }

  private CredentialNotFoundException(String message, boolean asIs) {
    super(message);
  }

  /** No source is defined for {@code registry}: said as such, not as a missing credential. */
  public static CredentialNotFoundException noSource(String registry) {
    return new CredentialNotFoundException("no source for " + registry + " (credagent source list shows them)", true);
  }
}
