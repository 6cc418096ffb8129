package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * {@code store}, and a login's store: durably, in the caller's profile, under the key the
 * resolver places it at ({@link CredentialResolver#placement}); what it replaces is kept as erased.
 */
final class StoreService {
  private final Profiles profiles;
  private final WriteBatcher batcher;
  private final RequestGate gate;
  private final AuditTrail trail;
  private final LockState locks;
  private final Clock clock;
  private final Settings config;

  StoreService(Profiles profiles, WriteBatcher batcher, RequestGate gate, AuditTrail trail, LockState locks, Clock clock,
      Settings config) {
    this.profiles = profiles;
    this.batcher = batcher;
    this.gate = gate;
    this.trail = trail;
    this.locks = locks;
    this.clock = clock;
    this.config = config;
  }

  /**
   * Stores {@code credential} durably; takes ownership of its secret. A different credential it
   * replaces (another username or secret under the key; for Docker Hub, under any of its names) is
   * not lost: it is kept as erased, restorable for erased-ttl, and the audit line says "replaced".
   * A store of the identical credential replaces nothing.
   */
  CompletableFuture<Void> store(Caller caller, String server, Credential credential) {
    CompletableFuture<Void> refused = gate.refusal(caller, Op.STORE, server, credential.secret());
    if (refused != null) {
      return refused;
    }
    InvalidRequestException invalid = RequestLimits.checkCredential(server, credential.username(), credential.secret());
    if (invalid != null) {
      return gate.invalid(caller, Op.STORE, server, invalid, credential.secret());
    }
    locks.usable();
    WriteBatcher.Keeping keeping = keeping(caller);
    ProfileTable.Choice profile;
    CredentialResolver.Placement placement;
    try {
      profile = profiles.choose(caller); // stores go to the caller's profile, never another
      placement = profiles.own(profile.name()).placement(server);
    } catch (VaultLockedException | UnknownProfileException failure) {
      credential.secret().destroy();
      return trail.audited(caller, "store", server, CompletableFuture.failedFuture(failure));
    }
    AuditLog.Served in = AuditLog.Served.NOTHING.in(CredentialService.described(profile, null));
    CompletableFuture<Boolean> stored = storeKeeping(placement.key(), credential, keeping);
    for (String alias : placement.displaced()) {
      stored = stored.thenCompose(replaced -> batcher.submit(new Vault.Remove(alias), keeping)
          .exceptionally(goneMeanwhile -> false).whenComplete((gone, failure) -> profiles.changed(alias))
          .thenApply(gone -> replaced || gone));
    }
    return trail.auditedSaying(caller, "store", server, in, stored, replaced -> replaced ? "replaced" : "ok")
        .thenApply(replaced -> null);
  }

  /** A login's store: under {@code key} in the caller's profile. */
  CompletableFuture<Boolean> storeLogin(Caller caller, String key, Credential credential) {
    try {
      return storeKeeping(ProfileKeys.prefix(profiles.choose(caller).name()) + key, credential, keeping(caller));
    } catch (VaultLockedException | UnknownProfileException failure) {
      credential.secret().destroy();
      return CompletableFuture.failedFuture(failure);
    }
  }

  /** How a store by {@code caller} keeps what it replaces: as of now, by its program, unless erased-ttl is zero. */
  private WriteBatcher.Keeping keeping(Caller caller) {
    return new WriteBatcher.Keeping(clock.instant(), trail.who(caller).program(), !ErasureService.erasedTtl(config).isZero());
  }

  private CompletableFuture<Boolean> storeKeeping(String server, Credential credential, WriteBatcher.Keeping keeping) {
    return batcher.submit(new Vault.Put(server, credential), keeping).whenComplete((done, failure) -> profiles.changed(server));
  }
}
