package dev.credagent.service;

import dev.credagent.source.Sources;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.util.concurrent.CompletableFuture;

/** The credential under a resolved key: a copy from memory, or its source's (a run when its cache has none). */
final class Fetcher {
  private final Vault vault;
  private final Sources sources;

  Fetcher(Vault vault, Sources sources) {
    this.vault = vault;
    this.sources = sources;
  }

  CompletableFuture<Credential> fetch(CredentialResolver.Resolved resolved) {
    try {
      if (!resolved.source()) {
        return CompletableFuture.completedFuture(vault.get(resolved.key()));
      }
      String definition = vault.source(resolved.key());
      if (definition == null) {
        throw new CredentialNotFoundException(resolved.key()); // removed since it was resolved
      }
      return sources.get(resolved.key(), definition);
    } catch (VaultLockedException | CredentialNotFoundException goneMeanwhile) {
      return CompletableFuture.failedFuture(goneMeanwhile);
    }
  }
}
