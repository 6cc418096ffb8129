package dev.credagent.service;

import dev.credagent.registry.ServerNames;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    Set<String> taken = new HashSet<>();
    for (String key : keys) {
      if (!keep.isZero()) {
        changes.add(keep(key, vault.get(key), at, by, taken));
      }
      changes.add(new Vault.Remove(key));
    }
    return changes;
  }

  /**
   * The change that keeps {@code replaced} (a credential leaving {@code key}: erased, or replaced by
   * another) as erased at {@code at} by {@code by}, under a key that is neither the vault's nor one
   * of {@code taken} (the keys kept by the changes it goes with, to which it adds its own). Takes
   * ownership of {@code replaced}.
   */
  Vault.Put keep(String key, Credential replaced, Instant at, String by, Set<String> taken) throws VaultLockedException {
    Map<String, String> kept = vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM);
    String erased = ErasedKey.unique(key, at, by, candidate -> kept.containsKey(candidate) || taken.contains(candidate)).key();
    taken.add(erased);
    return new Vault.Put(erased, replaced);
  }

  /** Whether {@code stored} and {@code incoming} are one credential: a store of it again replaces nothing. */
  static boolean same(Credential stored, Credential incoming) {
    return stored.username().equals(incoming.username()) && stored.secret().contentEquals(incoming.secret());
  }

  /** Removals of the erased credentials kept longer than {@code keep}. */
  List<Vault.Change> expired(Instant now, Duration keep) throws VaultLockedException {
    List<Vault.Change> gone = new ArrayList<>();
    for (String key : keys()) {
      ErasedKey.parse(key).filter(erased -> !live(erased, now, keep))
          .ifPresent(erased -> gone.add(new Vault.Remove(key)));
    }
    return gone;
  }

  /** Removals of the erased credentials of {@code server} kept by {@code by}, all but the newest {@code leave}. */
  List<Vault.Change> oldestBy(String server, String by, int leave) throws VaultLockedException {
    Map<String, ErasedKey> mine = new HashMap<>(); // by the vault's key, not one rebuilt from its parts
    for (String key : keys()) {
      ErasedKey.parse(key).filter(erased -> erased.server().equals(server) && erased.by().equals(by))
          .ifPresent(erased -> mine.put(key, erased));
    }
    return mine.entrySet().stream().sorted(Comparator.comparing((Map.Entry<String, ErasedKey> e) -> e.getValue().at()).reversed())
        .skip(leave).<Vault.Change>map(e -> new Vault.Remove(e.getKey())).toList();
  }

  /** Removals of every erased credential. */
  List<Vault.Change> all() throws VaultLockedException {
    return keys().stream().<Vault.Change>map(Vault.Remove::new).toList();
  }

  /**
   * The erased credentials kept now, newest first: those erased within {@code keep} of {@code now}.
   * One older than that may still be in the vault until the sweep removes it, but is gone to every
   * client.
   */
  List<ErasedCredential> list(Instant now, Duration keep) throws VaultLockedException {
    List<ErasedCredential> kept = new ArrayList<>();
    vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).forEach((key, username) -> ErasedKey.parse(key)
        .filter(erased -> live(erased, now, keep))
        .ifPresent(erased -> kept.add(new ErasedCredential(ProfileKeys.serverOf(erased.server()), username, erased.at(), erased.by(),
            ProfileKeys.profileOf(erased.server())))));
    kept.sort(Comparator.comparing(ErasedCredential::at).reversed());
    return kept;
  }

  /** Whether {@code erased} is still within {@code keep} of {@code now}: listed, and restorable. */
  private static boolean live(ErasedKey erased, Instant now, Duration keep) {
    // now - keep, never at + keep: an erasure dated near Instant.MAX (a damaged or hand-made vault)
    // overflowed, and the exception stopped the daemon's tick (the idle lock, the sweep) for good.
    return erased.at().isAfter(now.minus(keep));
  }

  /**
   * The changes that bring back the credential last erased for {@code server} (any of its
   * registry's names), its key, and the username of the live credential it replaces (null: none,
   * or the same one). A live credential that differs is kept as erased at {@code now} by
   * {@code by}, as any store keeps what it replaces: so a restore loses nothing, and a second one
   * undoes it.
   */
  record Restore(String key, List<Vault.Change> changes, String replaced) {}

  Restore restore(String server, Instant now, Duration keep, String by) throws Exception {
    return restore(ProfileKeys.DEFAULT, server, now, keep, by);
  }

  /** The same in {@code profile}: only that profile's erased credentials, restored into it. */
  Restore restore(String profile, String server, Instant now, Duration keep, String by) throws Exception {
    String wanted = ProfileKeys.prefix(profile) + (ServerNames.isHub(server) ? ServerNames.HUB_KEY : server);
    ErasedKey newest = null;
    String newestKey = null; // as the vault has it: a key written another way than key() prints is still this one
    for (String key : keys()) {
      ErasedKey erased = ErasedKey.parse(key).filter(candidate -> live(candidate, now, keep)).orElse(null);
      String registry = erased == null ? null : registryKey(erased.server());
      if (wanted.equals(registry) && (newest == null || erased.at().isAfter(newest.at()))) {
        newest = erased;
        newestKey = key;
      }
    }
    if (newest == null) {
      throw new CredentialNotFoundException(server + " among the erased credentials (credagent list --erased shows them)");
    }
    String key = registryKey(newest.server());
    Credential restored = vault.get(newestKey);
    List<Vault.Change> changes = new ArrayList<>();
    String replaced = null;
    if (vault.list().containsKey(key)) {
      Credential live = vault.get(key);
      if (same(live, restored)) {
        live.secret().destroy();
      } else {
        replaced = live.username();
        changes.add(keep(key, live, now, by, new HashSet<>()));
      }
    }
    changes.add(new Vault.Put(key, restored));
    changes.add(new Vault.Remove(newestKey));
    return new Restore(key, changes, replaced);
  }

  /** The vault key a credential erased from {@code key} goes back to: Docker Hub's under docker's, in its profile. */
  private static String registryKey(String key) {
    String server = ProfileKeys.serverOf(key);
    return ServerNames.isHub(server) ? ProfileKeys.prefix(ProfileKeys.profileOf(key)) + ServerNames.HUB_KEY : key;
  }

  private List<String> keys() throws VaultLockedException {
    return List.copyOf(vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).keySet());
  }
}
