package dev.credagent.registry.auth;

import dev.credagent.registry.Challenge;
import dev.credagent.registry.NoTokenNeededException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryErrors;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.vault.Credential;
import java.io.IOException;
import java.util.List;

/**
 * Mints a token for a {@link TokenCache.Key}: asks the registry how it authenticates, then its
 * token server, with the stored refresh token or username and password; keeps a rotated refresh
 * token, as the spec asks. What is stored, and where, is the caller's ({@link Logins}).
 */
public final class TokenMinter implements TokenCache.Source {
  /** The logins a token is minted with, as the credential service keeps them. */
  public interface Logins {
    /** The login that serves {@code lookup}, as a get finds it, and the key it came from. */
    Login login(String lookup) throws Exception;

    /**
     * Keeps the refresh token the server rotated {@code supplied} to, under {@code key}, the key that
     * supplied it and no other; takes ownership of {@code refreshed}, not of {@code supplied}.
     */
    void rotated(String key, Credential supplied, Credential refreshed) throws Exception;
  }

  /**
   * A login found for a token: {@code key}, the vault key it is stored under (null where a source
   * made it: nothing stored to rotate), and the credential, a copy the minter wipes.
   */
  public record Login(String key, Credential credential) {}

  private final RegistryLogin registries;
  private final Logins logins;

  public TokenMinter(RegistryLogin registries, Logins logins) {
    this.registries = registries;
    this.logins = logins;
  }

  @Override
  public TokenAnswer fetch(TokenCache.Key key) throws Exception {
    RegistryAddress registry = key.registry();
    Login login = logins.login(key.lookup());
    Credential stored = login.credential();
    try {
      Challenge challenge;
      try {
        challenge = registries.challenge(registry);
      } catch (IOException e) {
        throw RegistryErrors.unreachable(registry, e);
      }
      if (challenge == null || !challenge.scheme().equals("bearer")) {
        throw new NoTokenNeededException(registry.key() + " uses " + (challenge == null ? "no" : "Basic")
            + " authentication: it needs no token; send the username and password instead");
      }
      Grant grant = RegistryLogin.IDENTITY_TOKEN_USERNAME.equals(stored.username())
          ? new Grant.Refresh(stored.secret())
          : new Grant.Password(stored.username(), stored.secret());
      TokenAnswer answer;
      try {
        answer = registries.tokens().request(registries.client(registry), registry.key(),
            RegistryLogin.realm(registry, challenge), RegistryLogin.service(challenge), List.copyOf(key.scopes()), grant, false);
      } catch (IOException e) {
        throw RegistryErrors.unreachable(registry, e);
      }
      // Written back where it came from: a pattern's refresh token (HOST/org-c/) rotated into the
      // registry's key (HOST) replaced the owner's host-wide login there.
      if (answer.refresh() != null && grant instanceof Grant.Refresh && !answer.refresh().contentEquals(stored.secret())
          && login.key() != null) {
        logins.rotated(login.key(), stored, new Credential(RegistryLogin.IDENTITY_TOKEN_USERNAME, answer.refresh().copy()));
      }
      return answer;
    } finally {
      stored.secret().destroy();
    }
  }
}
