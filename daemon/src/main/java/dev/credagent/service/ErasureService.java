package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.audit.CallerProcess;
import dev.credagent.caller.Caller;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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
  private final Profiles profiles;
  private final ErasedCredentials erased;
  private final Executor writes;
  private final Clock clock;
  private final Settings config;
  private final RequestGate gate;
  private final AuditTrail trail;
  private final Runnable used;

  ErasureService(Vault vault, Profiles profiles, Executor writes, Clock clock, Settings config,
      RequestGate gate, AuditTrail trail, Runnable used) {
    this.vault = vault;
    this.profiles = profiles;
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
    return gate.run(caller, Op.ERASE, purge ? "purge" : "erase", server, placeOf(caller), writes, () -> {
      CallerProcess who = trail.who(caller);
      List<String> keys = profiles.own(profiles.choose(caller).name()).erasable(server);
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
      keys.forEach(profiles::changed);
      LOG.info((keep.isZero() ? "purged " : "erased ") + String.join(", ", keys) + " (" + caller + ")");
      return null;
    });
  }

  /**
   * erased-ttl as the config says it now; while the file cannot be read, a century: a broken config
   * file must never cost a kept credential (an erase with it still fails, naming the file). Not
   * ChronoUnit.FOREVER, which no Instant can be moved by.
   */
  static Duration erasedTtl(Settings config) {
    try {
      return config.current().erasedTtl();
    } catch (ConfigException unreadable) {
      return UNREADABLE_CONFIG_KEEPS;
    }
  }

  private static final Duration UNREADABLE_CONFIG_KEEPS = Duration.ofDays(36_500);

  /**
   * The erased credentials kept now (erased within erased-ttl), newest first; none through a share.
   * A list as the live one is: its gate check and one audit line (it had neither, and read
   * servers, usernames and who erased them unrecorded, and unrecorded while locked).
   */
  public List<ErasedCredential> list(Caller caller) throws VaultLockedException {
    used.run();
    gate.check(caller, Op.LIST);
    return trail.recorded(caller, "list", () -> caller.share() != null ? List.of() : erased.list(clock.instant(), erasedTtl(config)));
  }

  /**
   * Brings back the credential last erased for {@code server} (any of its registry's names) within
   * erased-ttl, as it was. A different credential live under its key is not destroyed: it is kept
   * as erased in its turn (a second restore brings it back), as a store keeps what it replaces,
   * and the answer names it (its username: {@link Restored#replaced}), the audit line says
   * "replaced".
   */
  /**
   * The profile a write is made in, for its audit line ("work", or "default (why)"): an erase in
   * a profile's directory looked exactly like one in the default profile. Nothing where it cannot
   * be told yet (locked, an unknown profile): the request itself fails and says so.
   */
  private AuditLog.Served placeOf(Caller caller) {
    try {
      return AuditLog.Served.NOTHING.in(CredentialService.described(profiles.choose(caller), null));
    } catch (Exception notYet) {
      return AuditLog.Served.NOTHING;
    }
  }

  public CompletableFuture<Restored> restore(Caller caller, String server) {
    CompletableFuture<Restored> refused = gate.refusal(caller, Op.RESTORE, server);
    if (refused != null) {
      return refused;
    }
    used.run();
    CompletableFuture<Restored> restored = Async.on(writes, () -> {
      Instant now = clock.instant();
      ErasedCredentials.Restore restore = erased.restore(profiles.choose(caller).name(), server, now,
          config.current().erasedTtl(), trail.who(caller).program());
      vault.apply(restore.changes());
      profiles.changed(restore.key());
      LOG.info("restored " + restore.key() + (restore.replaced() == null ? "" : ", keeping the credential it replaced as erased")
          + " (" + caller + ")");
      return new Restored(restore.key(), restore.replaced());
    });
    return trail.auditedSaying(caller, "restore", server, placeOf(caller), restored,
        done -> done.replaced() == null ? "ok" : "replaced");
  }

  /** How many refresh tokens a key's rotations keep, newest first. */
  static final int KEPT_ROTATIONS = 8;
  /** The "by" of a refresh token a rotation replaced: the daemon itself, for the token server. */
  static final String ROTATED_BY = "credagent (token refresh)";

  /**
   * Writes back the refresh token a token server rotated {@code supplied} to, under {@code key}, the
   * key that supplied it: a change the daemon makes by itself, so it is audited ("refresh") and the
   * replaced token is kept as erased, as a client's store would keep it. Made only while {@code key}
   * still holds {@code supplied}: a login the user stored meanwhile is newer than the rotation and
   * wins. Takes ownership of {@code refreshed}; completes with whether it was written.
   */
  CompletableFuture<Boolean> refreshed(String key, Credential supplied, Credential refreshed) {
    // The token server rotates as often as a share client asks for new scopes: the tokens kept for
    // one key are bounded, the oldest dropped, or a share client could fill the vault.
    return Async.on(writes, () -> {
      try (Secret owned = refreshed.secret()) {
        // A token server's answer may be 1 MiB; a client's store may not pass MAX_SECRET_CHARS. Kept
        // with its eight predecessors, a hostile server's tokens filled the vault at a share client's asking.
        if (owned.length() > RequestLimits.MAX_SECRET_CHARS) {
          LOG.warning("the token server rotated the refresh token of " + key + " to one of " + owned.length()
              + " characters, longer than the " + RequestLimits.MAX_SECRET_CHARS + " a store may be; the old one is kept");
          return false;
        }
        if (!vault.list().containsKey(key)) {
          return false;
        }
        Credential live = vault.get(key);
        if (!ErasedCredentials.same(live, supplied)) {
          live.secret().destroy();
          return false;
        }
        List<Vault.Change> changes = new ArrayList<>();
        if (erasedTtl(config).isZero()) {
          live.secret().destroy();
        } else {
          changes.addAll(erased.oldestBy(key, ROTATED_BY, KEPT_ROTATIONS - 1));
          changes.add(erased.keep(key, live, clock.instant(), ROTATED_BY, new HashSet<>()));
        }
        changes.add(new Vault.Put(key, refreshed.copy()));
        vault.apply(changes);
        profiles.changed(key);
        LOG.info("the token server rotated the refresh token of " + key + "; stored, the replaced one kept as erased");
        return true;
      }
    }).whenComplete((written, failure) -> {
      if (Boolean.TRUE.equals(written) || failure != null) {
        trail.record(Caller.self(), "refresh", key, failure == null ? "ok" : AuditTrail.outcome(Async.cause(failure)));
      }
    });
  }

  /**
   * The changes that erase {@code keys} (full vault keys) as an erase by {@code caller} now would,
   * kept for erased-ttl: for a profile removed with its credentials, applied with its removal.
   */
  List<Vault.Change> erasing(Caller caller, List<String> keys) throws Exception {
    Duration keep = config.current().erasedTtl();
    return erased.erase(keys, clock.instant(), trail.who(caller).program(), keep);
  }

  /** What a restore did: the key it restored, and the username of the credential it replaced there (null: none). */
  public record Restored(String key, String replaced) {}

  /**
   * Removes from the vault the erased credentials older than erased-ttl, on the write thread; the
   * daemon calls this every second. Costs a look at the erased keys (they sort first, and are few)
   * when none is due.
   */
  public void expireDue() {
    Duration keep = erasedTtl(config);
    try {
      if (erased.expired(clock.instant(), keep).isEmpty()) {
        return;
      }
    } catch (VaultLockedException locked) {
      return; // the next unlock's sweep
    }
    Async.on(writes, () -> {
      List<Vault.Change> due = erased.expired(clock.instant(), erasedTtl(config));
      if (!due.isEmpty()) {
        vault.apply(due);
        LOG.info("removed " + due.size() + " erased credential(s) kept longer than erased-ttl");
      }
      return null;
    }).exceptionally(failure -> {
      if (!(Async.cause(failure) instanceof VaultLockedException)) {
        LOG.warning("cannot remove the erased credentials past erased-ttl: " + Async.cause(failure).getClass().getSimpleName());
      }
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
