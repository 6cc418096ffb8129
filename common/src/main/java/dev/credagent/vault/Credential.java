package dev.credagent.vault;

/** What a registry login needs: a username and its secret (password or identity token). */
public record Credential(String username, Secret secret) {
  public Credential {
    if (username == null) {
      throw new IllegalArgumentException("a credential needs a username");
    }
    if (secret == null) {
      throw new IllegalArgumentException("a credential needs a secret");
    }
  }

  /** A deep copy the caller owns. */
  public Credential copy() {
    return new Credential(username, secret.copy());
  }

  @Override
  public String toString() {
    return "Credential[username=" + username + ", secret=" + secret + "]";
  }
}
