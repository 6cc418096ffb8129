package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.prompt.TerminalText;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryReference;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * {@code credagent profile add|list|remove|which}, and the choice of every request's profile: the
 * table is read from the vault ({@link ProfileKeys}), so profiles are unlocked, locked, journaled
 * and backed up with the credentials. One {@link CredentialResolver} per profile sees that
 * profile's keys only; a lookup asks the caller's profile, then the default one.
 */
public final class Profiles {
  private static final Logger LOG = Logger.getLogger(Profiles.class.getName());

  private final Vault vault;
  private final Executor writes;
  private final RequestGate gate;
  private final Map<String, CredentialResolver> resolvers = new ConcurrentHashMap<>();
  /** The table as of a vault version (compared by identity): most requests read it, few change it. */
  private volatile Cached cached = new Cached(null, ProfileTable.EMPTY);

  private record Cached(Object version, ProfileTable table) {}

  private final RealPathCache realPaths;

  Profiles(Vault vault, CredentialResolver defaults, Executor writes, RequestGate gate, java.time.Clock clock) {
    this.vault = vault;
    this.realPaths = new RealPathCache(clock);
    this.writes = writes;
    this.gate = gate;
    resolvers.put(ProfileKeys.DEFAULT, defaults);
  }

  /** The profiles and their directories, as the vault holds them now. */
  public ProfileTable table() throws VaultLockedException {
    Object version = vault.version();
    Cached seen = cached;
    if (seen.version() != version || version == null) {
      if (!vault.isUnlocked()) {
        throw new VaultLockedException();
      }
      seen = new Cached(version, ProfileTable.of(vault.sources()));
      cached = seen;
    }
    return seen.table();
  }

  /**
   * The profile {@code caller}'s request is answered in. A share's is the one it was made with,
   * whatever its client says; anyone else's by {@link ProfileTable#choose}.
   */
  public ProfileTable.Choice choose(Caller caller) throws VaultLockedException, UnknownProfileException {
    if (caller.share() != null) {
      ProfileTable table = table();
      if (!table.has(caller.share().profile())) {
        // Not the table's refusal, which lists every profile: a share's client learns none of them.
        throw UnknownProfileException.ofShare();
      }
      return table.named(caller.share().profile(), "share " + caller.share().name());
    }
    return table().choose(caller.cwd(), caller.profile(), realPaths);
  }

  /** The resolver of {@code profile}'s own keys. */
  CredentialResolver own(String profile) {
    return resolvers.computeIfAbsent(profile, name -> new CredentialResolver(vault, name));
  }

  /**
   * The key that serves {@code reference} in {@code profile}: the profile's own keys first, then
   * the default profile's, each by the resolver's whole order (exact, source, another name,
   * pattern, host): a profile overrides the logins it has, and inherits the rest.
   */
  CredentialResolver.Resolved resolve(String profile, RegistryReference reference)
      throws VaultLockedException, CredentialNotFoundException {
    if (ProfileKeys.DEFAULT.equals(profile)) {
      return own(ProfileKeys.DEFAULT).resolve(reference);
    }
    try {
      return own(profile).resolve(reference);
    } catch (CredentialNotFoundException notInProfile) {
      return own(ProfileKeys.DEFAULT).resolve(reference);
    }
  }

  /** The key that would serve {@code reference} in {@code profile} now, for the audit line; null when none would. */
  String keyFor(String profile, RegistryReference reference) {
    try {
      return resolve(profile, reference).key();
    } catch (VaultLockedException | CredentialNotFoundException none) {
      return null;
    }
  }

  /** After a change to the vault key {@code key} (null: any, as an unlock): the index of its profile. */
  void changed(String key) {
    if (key == null) {
      resolvers.values().forEach(resolver -> resolver.changed(null));
      return;
    }
    own(ProfileKeys.profileOf(key)).changed(key);
  }

  /**
   * Binds {@code name} to {@code dirs} (absolute paths; each must exist and is kept as its real
   * path), making the profile where it is new; durably, on the write thread.
   */
  public CompletableFuture<List<Path>> add(Caller caller, String name, List<String> dirs) {
    return gate.run(caller, Op.PROFILE_ADD, "profile_add", null, writes, () -> {
      if (dirs.isEmpty()) {
        throw new InvalidRequestException("a profile is bound to at least one --dir");
      }
      List<Path> real = new ArrayList<>();
      for (String dir : dirs) {
        real.add(realDirectory(dir));
      }
      ProfileTable next;
      try {
        next = table().with(name, real);
      } catch (IllegalArgumentException refused) {
        throw new InvalidRequestException(refused.getMessage());
      }
      vault.putSource(ProfileKeys.bindings(name), ProfileTable.encode(next.all().get(name)));
      // Escaped as every name from a client in the log: a directory bound before control characters
      // were refused may still hold one.
      LOG.info("profile " + name + " bound to " + TerminalText.escape(real.toString()) + " (" + caller + ")");
      return next.all().get(name);
    });
  }

  private static Path realDirectory(String dir) throws InvalidRequestException {
    if (ProfileTable.hasControlCharacter(dir)) {
      throw new InvalidRequestException(ProfileTable.CONTROL_CHARACTER);
    }
    try {
      Path path = Path.of(dir);
      if (!path.isAbsolute()) {
        throw new InvalidRequestException("a profile's directory is sent as an absolute path (the CLI makes it one)");
      }
      Path real = path.toRealPath();
      if (!Files.isDirectory(real)) {
        throw new InvalidRequestException(ProfileTable.printable(dir) + " is not a directory");
      }
      return real;
    } catch (InvalidPathException e) {
      throw new InvalidRequestException("a profile's directory is not a path");
    } catch (IOException e) {
      throw new InvalidRequestException(ProfileTable.printable(dir) + " does not exist (a profile's directory must, when it is added)");
    }
  }

  /**
   * Removes {@code name}. Refused while it holds credentials or sources, unless {@code erase}: then
   * its credentials go where an erase puts them ({@code erasure}), its sources and bindings go.
   */
  public CompletableFuture<Integer> remove(Caller caller, String name, boolean erase, ErasureService erasure) {
    return gate.run(caller, Op.PROFILE_REMOVE, "profile_remove", null, writes, () -> {
      ProfileTable table = table();
      if (ProfileKeys.DEFAULT.equals(name)) {
        throw new InvalidRequestException("the default profile cannot be removed");
      }
      if (!table.has(name)) {
        throw new UnknownProfileException(name, table.names());
      }
      Map<String, String> held = own(name).live();
      List<String> sources = new ArrayList<>();
      for (String key : vault.sources().keySet()) {
        if (!ProfileKeys.isBindings(key) && ProfileKeys.profileOf(key).equals(name)) {
          sources.add(key);
        }
      }
      if (!erase && (!held.isEmpty() || !sources.isEmpty())) {
        throw new InvalidRequestException("profile " + name + " still holds " + held.size() + " credential(s) and "
            + sources.size() + " source(s): erase them, or remove it with --erase (they are kept as erased)");
      }
      List<String> keys = held.keySet().stream().map(server -> ProfileKeys.prefix(name) + server).toList();
      int erased = keys.size();
      // One durable write: the credentials kept as erased, the sources and the bindings gone together.
      List<Vault.Change> changes = new ArrayList<>(erasure.erasing(caller, keys));
      sources.forEach(key -> changes.add(new Vault.RemoveSource(key)));
      changes.add(new Vault.RemoveSource(ProfileKeys.bindings(name)));
      vault.apply(changes);
      changed(null);
      LOG.info("profile " + name + " removed (" + caller + "), " + erased + " credential(s) kept as erased");
      return erased;
    });
  }

  /** Profile to its directories, the default first (with none). */
  public SortedMap<String, List<Path>> list(Caller caller) throws VaultLockedException {
    gate.check(caller, Op.PROFILE_LIST);
    return table().all();
  }

  /** {@code profile}'s own credentials over the default profile's, server to username, in server order. */
  Map<String, String> withInherited(String profile) throws VaultLockedException {
    Map<String, String> merged = new TreeMap<>(own(ProfileKeys.DEFAULT).live());
    if (!ProfileKeys.DEFAULT.equals(profile)) {
      merged.putAll(own(profile).live());
    }
    return merged;
  }

  /**
   * What {@code share}'s list names: of its profile's credentials and those it inherits from the
   * default profile, each one a get of its own server would be served through the share (the same
   * lookup, then {@link ShareScope#permits}), so that the list and get never disagree.
   */
  Map<String, String> servedThrough(ShareScope share) throws VaultLockedException {
    Map<String, String> candidates = withInherited(share.profile());
    Map<String, String> listed = new TreeMap<>();
    for (Map.Entry<String, String> entry : candidates.entrySet()) {
      try {
        String served = ProfileKeys.serverOf(resolve(share.profile(), RegistryReference.parse(entry.getKey())).key());
        if (served.equals(entry.getKey()) && share.permits(null, served)) {
          listed.put(entry.getKey(), entry.getValue());
        }
      } catch (CredentialNotFoundException servedByNone) {
        // Not listed: a get of it would find nothing.
      }
    }
    return listed;
  }
}
