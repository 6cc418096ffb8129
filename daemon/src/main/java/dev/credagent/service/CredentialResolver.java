package dev.credagent.service;

import dev.credagent.registry.PatternIndex;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which vault key serves a request, decided once, so that a share's gate, the lookup, a token's
 * grant and the audit line all see the same key: the exact key, then its source, then the key
 * under another name of the same registry ({@link ServerNames}), then the most specific pattern
 * ({@link RegistryPattern}), a stored credential before a source at a tie; for a server with a
 * path, then its host the same way. The vault's erased credentials ({@link ErasedKey}) are no key
 * here.
 */
final class CredentialResolver {
  /** The first key that is not an erased credential's: client keys never begin with a control character. */
  static final String LIVE_FROM = "\u0002";

  /** The key that serves a request: a stored credential's, or a source's. */
  record Resolved(String key, boolean source) {}

  private final Vault vault;
  /** The profile whose keys this resolver sees: its prefix, and its range of the sorted keys. */
  private final String profile;
  private final String prefix;
  /**
   * Counts the changes that can change the index: a store, erase or source change of a key written
   * as a pattern or as another name of a registry, and every unlock. The index is rebuilt when it
   * was built at another count, so a store of a plain server (most of them) costs it nothing.
   */
  private final AtomicLong indexChanges = new AtomicLong();
  private volatile Indexed index = new Indexed(-1, PatternIndex.EMPTY);

  private record Indexed(long changes, PatternIndex index) {}

  CredentialResolver(Vault vault) {
    this(vault, ProfileKeys.DEFAULT);
  }

  /** A resolver of {@code profile}'s own keys only (see {@link ProfileKeys}); what it resolves are full vault keys. */
  CredentialResolver(Vault vault, String profile) {
    this.vault = vault;
    this.profile = profile;
    this.prefix = ProfileKeys.prefix(profile);
  }

  String profile() {
    return profile;
  }

  /**
   * The credentials of this profile a client may be served or shown, server to username, the
   * servers without the profile's prefix: never the erased ones, nor another profile's.
   */
  Map<String, String> live() throws VaultLockedException {
    Map<String, String> range = vault.list(ProfileKeys.from(profile), ProfileKeys.to(profile));
    return prefix.isEmpty() ? range : new Unprefixed(range, prefix);
  }

  /** This profile's sources' registries, without its prefix (never a profile's bindings). */
  private java.util.Set<String> sourceRegistries() throws VaultLockedException {
    java.util.Set<String> registries = new java.util.TreeSet<>();
    for (String key : vault.sources().keySet()) {
      if (!ProfileKeys.isBindings(key) && ProfileKeys.profileOf(key).equals(profile)) {
        registries.add(ProfileKeys.serverOf(key));
      }
    }
    return registries;
  }

  private boolean stored(String server) throws VaultLockedException {
    return vault.list().containsKey(key(server));
  }

  private boolean sourced(String server) throws VaultLockedException {
    return vault.source(key(server)) != null;
  }

  /** {@code server}'s key in this profile: the name itself in the default profile, with no copy made by a concatenation. */
  private String key(String server) {
    return prefix.isEmpty() ? server : prefix + server;
  }

  Resolved resolve(String server) throws VaultLockedException, CredentialNotFoundException {
    return resolve(RegistryReference.parse(server));
  }

  /** The key that serves {@code reference}: see the class comment for the order. */
  Resolved resolve(RegistryReference reference) throws VaultLockedException, CredentialNotFoundException {
    String server = reference.written();
    if (stored(server)) {
      return new Resolved(key(server), false);
    }
    if (sourced(server)) {
      return new Resolved(key(server), true);
    }
    Resolved another = anotherName(reference);
    if (another != null) {
      return another;
    }
    String host = reference.registryAsWritten();
    Optional<PatternIndex.Entry> pattern = index().mostSpecific(reference, !host.equals(server));
    if (pattern.isPresent()) {
      return new Resolved(prefix + pattern.get().key(), pattern.get().source());
    }
    if (host.equals(server)) {
      throw new CredentialNotFoundException(server);
    }
    try {
      return resolve(host);
    } catch (CredentialNotFoundException notForHost) {
      throw new CredentialNotFoundException(server);
    }
  }

  /** The key that would serve {@code server} now, for the audit line; null when none would. */
  String keyFor(String server) {
    try {
      return resolve(server).key();
    } catch (VaultLockedException | CredentialNotFoundException none) {
      return null;
    }
  }

  /**
   * The credential stored under another name of {@code server}'s registry: Docker Hub's key for any
   * of Hub's names, docker's key for a URL ({@code https://reg/} is {@code reg}), or a key written
   * as a URL for the registry {@code server} names; null where none is.
   */
  private Resolved anotherName(RegistryReference reference) throws VaultLockedException {
    String server = reference.written();
    String registry = ServerNames.isHub(reference) ? ServerNames.HUB_KEY : ServerNames.dockerHostname(reference);
    if (registry != null && !registry.equals(server)) {
      if (stored(registry)) {
        return new Resolved(prefix + registry, false);
      }
      if (sourced(registry)) {
        return new Resolved(prefix + registry, true);
      }
    }
    for (String alias : index().aliasesOf(registry != null ? registry : server)) {
      if (!alias.equals(server) && stored(alias)) {
        return new Resolved(prefix + alias, false);
      }
    }
    return null;
  }

  /**
   * The keys an erase of {@code server} takes: every key of Docker Hub's for one of its names;
   * else the exact key, or the one stored under another name of its registry. Never a pattern or a
   * source: a literal name that only a pattern serves erases nothing. Full vault keys, of this
   * profile only.
   */
  List<String> erasable(String server) throws VaultLockedException {
    Map<String, String> live = live();
    if (ServerNames.isHub(server)) {
      List<String> keys = new ArrayList<>();
      if (live.containsKey(ServerNames.HUB_KEY)) {
        keys.add(prefix + ServerNames.HUB_KEY);
      }
      index().aliasesOf(ServerNames.HUB_KEY).stream().filter(live::containsKey).map(alias -> prefix + alias).forEach(keys::add);
      return keys;
    }
    if (live.containsKey(server)) {
      return List.of(prefix + server);
    }
    Resolved another = anotherName(RegistryReference.parse(server));
    return another == null || another.source() ? List.of() : List.of(another.key());
  }

  /** Where a store goes: the key (a full vault key, this profile's), and the keys it displaces besides. */
  record Placement(String key, List<String> displaced) {}

  /**
   * Where a store of {@code server} goes in this profile: under its own key; for one of Docker
   * Hub's names, one login under all of them, stored under docker's key, the keys stored under
   * Hub's other names displaced. A plain server's placement reads nothing of the vault.
   */
  Placement placement(String server) throws VaultLockedException {
    if (!ServerNames.isHub(server)) {
      return new Placement(prefix + server, List.of());
    }
    return new Placement(prefix + ServerNames.HUB_KEY, index().aliasesOf(ServerNames.HUB_KEY).stream()
        .filter(alias -> !alias.equals(ServerNames.HUB_KEY)).map(alias -> prefix + alias).toList());
  }

  private PatternIndex index() throws VaultLockedException {
    long changes = indexChanges.get();
    Indexed indexed = index;
    if (indexed.changes() != changes) {
      indexed = new Indexed(changes, PatternIndex.of(live().keySet(), sourceRegistries()));
      index = indexed;
    }
    return indexed.index();
  }

  /**
   * After a change to {@code key} (null: any, as an unlock): where it may change the index (a
   * pattern, or another name of a registry: Docker Hub's, a URL), the index is rebuilt here, on the
   * writing thread, before the change is acknowledged, so that the lookups on the event loop find
   * it ready.
   */
  void changed(String key) {
    if (key != null && !ProfileKeys.profileOf(key).equals(profile)) {
      return; // another profile's
    }
    String server = key == null ? null : ProfileKeys.serverOf(key);
    if (server != null && !RegistryPattern.looksLikeOne(server) && !ServerNames.isHub(server)
        && ServerNames.dockerHostname(server) == null) {
      return; // a plain server's key: in no index
    }
    indexChanges.incrementAndGet();
    try {
      index();
    } catch (VaultLockedException lockedMeanwhile) {
      // the next unlock's first lookup builds it
    }
  }

  /** A range of a profile's keys seen without its prefix: a view, as the vault's own list is. */
  private static final class Unprefixed extends java.util.AbstractMap<String, String> {
    private final Map<String, String> range;
    private final String prefix;

    Unprefixed(Map<String, String> range, String prefix) {
      this.range = range;
      this.prefix = prefix;
    }

    @Override
    public java.util.Set<Entry<String, String>> entrySet() {
      return new java.util.AbstractSet<>() {
        @Override
        public java.util.Iterator<Entry<String, String>> iterator() {
          java.util.Iterator<Entry<String, String>> each = range.entrySet().iterator();
          return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
              return each.hasNext();
            }

            @Override
            public Entry<String, String> next() {
              Entry<String, String> entry = each.next();
              return new SimpleImmutableEntry<>(entry.getKey().substring(prefix.length()), entry.getValue());
            }
          };
        }

        @Override
        public int size() {
          return range.size();
        }
      };
    }

    @Override
    public String get(Object server) {
      return server instanceof String name ? range.get(prefix + name) : null;
    }

    @Override
    public boolean containsKey(Object server) {
      return server instanceof String name && range.containsKey(prefix + name);
    }
  }
}
