package dev.credagent.service;

import dev.credagent.registry.ServerNames;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The erased credentials the vault keeps for {@code credagent restore} ({@link ErasedKey}): the
 * changes that erase (and keep), restore and expire them, each applied as one durable write by
 * the service.
 */
final class ErasedCredentials {
  private final Vault vault;

  ErasedCredentials(Vault vault) {
    this.vault = vault;
  }

  /** The changes that erase {@code keys}: each kept as erased at {@code at} by {@code by} (unless {@code keep} is zero), then removed. */
  List<Vault.Change> erase(List<String> keys, Instant at, String by, Duration keep) throws Exception {
    List<Vault.Change> changes = new ArrayList<>();
    for (String key : keys) {
      if (!keep.isZero()) {
        changes.add(new Vault.Put(new ErasedKey(key, at, by).key(), vault.get(key)));
      }
      changes.add(new Vault.Remove(key));
    }
    return changes;
  }

  /** Removals of the erased credentials kept longer than {@code keep}. */
  List<Vault.Change> expired(Instant now, Duration keep) throws VaultLockedException {
    List<Vault.Change> gone = new ArrayList<>();
    for (String key : keys()) {
      ErasedKey.parse(key).filter(erased -> !erased.at().plus(keep).isAfter(now))
          .ifPresent(erased -> gone.add(new Vault.Remove(key)));
    }
    return gone;
  }

  /** Removals of every erased credential. */
  List<Vault.Change> all() throws VaultLockedException {
    return keys().stream().<Vault.Change>map(Vault.Remove::new).toList();
  }

  /** The erased credentials kept now, newest first. */
  List<ErasedCredential> list() throws VaultLockedException {
    List<ErasedCredential> kept = new ArrayList<>();
    vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).forEach((key, username) -> ErasedKey.parse(key)
        .ifPresent(erased -> kept.add(new ErasedCredential(erased.server(), username, erased.at(), erased.by()))));
    kept.sort(Comparator.comparing(ErasedCredential::at).reversed());
    return kept;
  }

  /** The changes that bring back the credential last erased for {@code server} (any of its registry's names), and its key. */
  record Restore(String key, List<Vault.Change> changes) {}

  Restore restore(String server) throws Exception {
    String wanted = ServerNames.isHub(server) ? ServerNames.HUB_KEY : server;
    ErasedKey newest = null;
    for (String key : keys()) {
      ErasedKey erased = ErasedKey.parse(key).orElse(null);
      String registry = erased == null ? null : ServerNames.isHub(erased.server()) ? ServerNames.HUB_KEY : erased.server();
      if (wanted.equals(registry) && (newest == null || erased.at().isAfter(newest.at()))) {
        newest = erased;
      }
    }
    if (newest == null) {
      throw new CredentialNotFoundException(server + " among the erased credentials (credagent list --erased shows them)");
    }
    String key = ServerNames.isHub(newest.server()) ? ServerNames.HUB_KEY : newest.server();
    return new Restore(key, List.of(new Vault.Put(key, vault.get(newest.key())), new Vault.Remove(newest.key())));
  }

  private List<String> keys() throws VaultLockedException {
    return List.copyOf(vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).keySet());
  }
}
