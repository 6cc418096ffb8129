package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.auth.TokenMinter;
import dev.credagent.vault.Credential;
import java.util.concurrent.CompletionException;

/**
 * The logins a token is minted with: found as a get finds them; a rotated refresh token stored
 * back under the key that supplied it, audited and the replaced one kept ({@link ErasureService#refreshed}).
 */
final class StoredLogins implements TokenMinter.Logins {
  private final LockState locks;
  private final Profiles profiles;
  private final Fetcher fetcher;
  private final ErasureService erasure;

  StoredLogins(LockState locks, Profiles profiles, Fetcher fetcher, ErasureService erasure) {
    this.locks = locks;
    this.profiles = profiles;
    this.fetcher = fetcher;
    this.erasure = erasure;
  }

  @Override
  public TokenMinter.Login login(String lookup) throws Exception {
    locks.usable();
    // The lookup carries the profile of the token's request ({@link TokenService}): resolved in it, as a get.
    CredentialResolver.Resolved resolved = profiles.resolve(ProfileKeys.profileOf(lookup),
        RegistryReference.parse(ProfileKeys.serverOf(lookup)));
    try {
      return new TokenMinter.Login(resolved.source() ? null : resolved.key(), fetcher.fetch(resolved).join());
    } catch (CompletionException e) {
      throw Async.cause(e) instanceof Exception failure ? failure : e;
    }
  }

  @Override
  public void rotated(String key, Credential supplied, Credential refreshed) {
    erasure.refreshed(key, supplied, refreshed).join();
  }
}
