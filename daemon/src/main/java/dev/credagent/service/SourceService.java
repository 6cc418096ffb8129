package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.protocol.Op;
import dev.credagent.source.SourceDefinition;
import dev.credagent.source.Sources;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * The credential sources kept in the vault ({@code source add|list|remove}): their definitions
 * are written on the write thread, durably, and each change empties that source's cache and tells
 * the resolver, so that the next get runs the new definition.
 */
public final class SourceService {
  private static final Logger LOG = Logger.getLogger(SourceService.class.getName());

  private final Vault vault;
  private final Sources sources;
  private final Profiles profiles;
  private final Executor writes;
  private final RequestGate gate;

  SourceService(Vault vault, Sources sources, Profiles profiles, Executor writes, RequestGate gate) {
    this.vault = vault;
    this.sources = sources;
    this.profiles = profiles;
    this.writes = writes;
    this.gate = gate;
  }

  /**
   * Adds (or replaces) the source for {@code registry}, durably; completes with a warning for the
   * caller (its program is not there to run yet), or null.
   */
  public CompletableFuture<String> add(Caller caller, String registry, SourceDefinition definition) {
    return gate.run(caller, Op.SOURCE_ADD, "source_add", registry, writes, () -> {
      String key = ProfileKeys.prefix(profiles.choose(caller).name()) + registry;
      vault.putSource(key, Sources.encode(definition));
      changed(key);
      LOG.info("source for " + registry + " added (" + caller + ")");
      return definition.missingProgram(System.getenv("PATH"));
    });
  }

  /**
   * Registry to a description of its source (never an environment value), every profile's: a
   * profile's registries as {@code PROFILE:REGISTRY}.
   */
  public SortedMap<String, String> list(Caller caller) throws VaultLockedException {
    gate.check(caller, Op.SOURCE_LIST);
    SortedMap<String, String> described = new TreeMap<>();
    vault.sources().forEach((key, stored) -> {
      if (ProfileKeys.isBindings(key)) {
        return; // a profile's directories, not a source
      }
      String registry = ProfileKeys.shown(key);
      try {
        described.put(registry, Sources.decode(stored).describe());
      } catch (IOException | IllegalArgumentException e) {
        described.put(registry, "unreadable");
      }
    });
    return described;
  }

  /** Registry to why its source's last run failed (those failing now); never an environment value. */
  public Map<String, String> failing() {
    return sources.failing();
  }

  public CompletableFuture<Void> remove(Caller caller, String registry) {
    return gate.run(caller, Op.SOURCE_REMOVE, "source_remove", registry, writes, () -> {
      String key = ProfileKeys.prefix(profiles.choose(caller).name()) + registry;
      vault.removeSource(key);
      changed(key);
      return null;
    });
  }

  private void changed(String registry) {
    sources.forget(registry);
    profiles.changed(registry);
  }
}
