package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.config.Settings;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.registry.auth.RegistryPlaces;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.registry.auth.TokenMinter;
import dev.credagent.source.SourceRunner;
import dev.credagent.source.Sources;
import dev.credagent.vault.Vault;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * The parts of the {@link CredentialService}, each made once, here, and handed to it: the service
 * builds none of them. The daemon (the composition root) chooses the threads, the registry
 * client, the settings and the audit log, and wires the parts with {@link #wire}; a test wires
 * them with its own.
 */
public record ServiceParts(AuditTrail trail, LockState locks, RequestGate gate, Profiles profiles, UnlockService unlocking,
    KeySlotService keySlots, StoreService stores, Fetcher fetcher, SourceService sourceService, ErasureService erasure,
    TokenService tokens, LoginService logins) {

  /**
   * @param writes one thread: stores and erases, one at a time
   * @param unlocks one thread: key derivations and the throttle's delay
   * @param network a few threads: logins, which wait on registries (bounded, so a slow registry
   *     delays other logins at most, never a read, a write or a lock), and sources' runs
   * @param registries how to talk to a registry; null where logins are not wanted (tests)
   * @param config the settings, read again at each unlock (a file a user edits)
   * @param audit where each request that touches a credential is recorded
   */
  public static ServiceParts wire(Vault vault, Clock clock, Executor writes, Executor unlocks, Executor network,
      RegistryLogin registries, Settings config, AuditLog audit) {
    return wire(vault, clock, writes, unlocks, network, registries, config, audit, UnlockThrottle.Pause.SLEEP);
  }

  /**
   * The same, with the throttle's delays waited out by {@code pause}: a test records them instead
   * of sleeping.
   */
  static ServiceParts wire(Vault vault, Clock clock, Executor writes, Executor unlocks, Executor network,
      RegistryLogin registries, Settings config, AuditLog audit, UnlockThrottle.Pause pause) {
    AuditTrail trail = new AuditTrail(audit, clock);
    LockState locks = new LockState(vault, clock, trail);
    RequestGate gate = new RequestGate(trail, locks::usable);
    Profiles profiles = new Profiles(vault, new CredentialResolver(vault), writes, gate, clock);
    UnlockService unlocking = new UnlockService(vault, unlocks, config, trail, gate, locks, profiles, clock,
        new UnlockThrottle(pause));
    Sources sources = new Sources(new SourceRunner(SourceRunner.DEFAULT_TIMEOUT), network, clock);
    Fetcher fetcher = new Fetcher(vault, sources);
    ErasureService erasure = new ErasureService(vault, profiles, writes, clock, config, gate, trail, locks::usable);
    StoreService stores = new StoreService(profiles, new WriteBatcher(vault, writes), gate, trail, locks, clock, config);
    RegistryPlaces places = new RegistryPlaces(); // one count per registry, for its tokens and its logins
    TokenCache tokens = registries == null ? null : new TokenCache(
        new TokenMinter(registries, new StoredLogins(locks, profiles, fetcher, erasure)), network, clock, places);
    locks.onLock(sources::clear);
    if (tokens != null) {
      locks.onLock(tokens::clear);
    }
    return new ServiceParts(trail, locks, gate, profiles, unlocking,
        new KeySlotService(vault, unlocks, unlocking.throttle(), gate, trail), stores, fetcher,
        new SourceService(vault, sources, profiles, writes, gate), erasure,
        new TokenService(tokens, profiles, gate, trail, locks::usable, unlocking.prompt()::askFor),
        new LoginService(registries, network, places, stores::storeLogin, gate, trail, locks::usable));
  }
}
