package dev.credagent.service;

import dev.credagent.audit.CallerProcess;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * Erase as an undoable step ({@code erase}, {@code restore}, {@code list --erased},
 * {@code erase --purge}): an erased credential stays in the vault, encrypted and never served, for
 * {@code erased-ttl} ({@link ErasedCredentials} keeps the records), on the write thread.
 */
public final class ErasureService {
  private static final Logger LOG = Logger.getLogger(ErasureService.class.getName());

  private final Vault vault;
  private final CredentialResolver resolver;
  private final ErasedCredentials erased;
  private final Executor writes;
  private final Clock clock;
  private final Settings config;
  private final RequestGate gate;
  private final AuditTrail trail;
  private final Runnable used;

  ErasureService(Vault vault, CredentialResolver resolver, Executor writes, Clock clock, Settings config,
      RequestGate gate, AuditTrail trail, Runnable used) {
    this.vault = vault;
    this.resolver = resolver;
    this.erased = new ErasedCredentials(vault);
    this.writes = writes;
    this.clock = clock;
    this.config = config;
    this.gate = gate;
    this.trail = trail;
    this.used = used;
  }

  /**
   * Erases the credential {@code server} names (under any of its registry's names: Docker Hub's
   * under all of them) and keeps it, encrypted in the vault and never served, for {@code
   * erased-ttl}, so that {@link #restore} can bring it back; with {@code purge} (or an
   * {@code erased-ttl} of 0), deletes it at once. Patterns and sources are never erased by a name
   * that only resolves to them.
   */
  public CompletableFuture<Void> erase(Caller caller, String server, boolean purge) {
    return gate.run(caller, Op.ERASE, purge ? "purge" : "erase", server, writes, () -> {
      CallerProcess who = trail.who(caller);
      List<String> keys = resolver.erasable(server);
      if (keys.isEmpty()) {
        throw new CredentialNotFoundException(server);
      }
      Duration keep = purge ? Duration.ZERO : config.current().erasedTtl();
      Instant now = clock.instant();
      List<Vault.Change> changes = new ArrayList<>(erased.erase(keys, now, who.program(), keep));
      changes.addAll(erased.expired(now, keep.isZero() ? config.current().erasedTtl() : keep));
      if (keep.isZero()) {
        vault.applyAndRewrite(changes); // purged: out of the files now, not at the next fold
      } else {
        vault.apply(changes);
      }
      keys.forEach(resolver::changed);
      LOG.info((keep.isZero() ? "purged " : "erased ") + String.join(", ", keys) + " (" + caller + ")");
      return null;
    });
  }

  /** The erased credentials kept now, newest first; none through a share. */
  public List<ErasedCredential> list(Caller caller) throws VaultLockedException {
    used.run();
    return caller.share() != null ? List.of() : erased.list();
  }

  /** Brings back the credential last erased for {@code server} (any of its registry's names), as it was. */
  public CompletableFuture<Void> restore(Caller caller, String server) {
    return gate.run(caller, Op.RESTORE, "restore", server, writes, () -> {
      ErasedCredentials.Restore restore = erased.restore(server);
      vault.apply(restore.changes());
      resolver.changed(restore.key());
      LOG.info("restored " + restore.key() + " (" + caller + ")");
      return null;
    });
  }

  /** Deletes every erased credential at once ({@code credagent erase --purge --all}); how many there were. */
  public CompletableFuture<Integer> purgeAll(Caller caller) {
    return gate.run(caller, Op.ERASE, "purge", null, writes, () -> {
      List<Vault.Change> all = erased.all();
      if (!all.isEmpty()) {
        vault.applyAndRewrite(all); // out of the files now, not at the next fold
      }
      return all.size();
    });
  }
}
