package dev.credagent.service;

import dev.credagent.audit.AuditLog;

import dev.credagent.caller.Caller;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Secret;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Where every request stops before it starts, whichever front door it came through (as ssh-agent's
 * one check before dispatch): a registry name past the limits ({@link RequestLimits}), then an op
 * no share serves ({@link Op#share}: never) asked through a share. A refusal is audited, and the secrets
 * the request carried are wiped, since the service owns them from the call on.
 */
final class RequestGate {
  private final AuditTrail trail;
  private final Runnable used;

  /** {@code used}: the service's "a credential op came" (auto-lock's idle clock, a due lock first). */
  RequestGate(AuditTrail trail, Runnable used) {
    this.trail = trail;
    this.used = used;
  }

  /**
   * The shape of most ops: the gate; then, the vault counted as used, {@code work} on {@code
   * executor}, audited as {@code audited} (the op's name in the log: an erase with purge is
   * "purge") on {@code server}. The secrets the request carried ({@code owned}) are wiped if it is
   * refused; else they are {@code work}'s to wipe.
   */
  <T> CompletableFuture<T> run(Caller caller, Op op, String audited, String server, Executor executor, Async.Work<T> work,
      Secret... owned) {
    return run(caller, op, audited, server, AuditLog.Served.NOTHING, executor, work, owned);
  }

  /** The same, its audit line saying what served it ({@code served}: the profile, for one). */
  <T> CompletableFuture<T> run(Caller caller, Op op, String audited, String server, AuditLog.Served served,
      Executor executor, Async.Work<T> work, Secret... owned) {
    CompletableFuture<T> refused = refusal(caller, op, server, owned);
    if (refused != null) {
      return refused;
    }
    used.run();
    return trail.audited(caller, audited, server, served, Async.on(executor, work));
  }

  /**
   * The refusal of {@code op} on {@code server} (null: an op on no server) as a failed, audited
   * future; null where the request may go on.
   */
  <T> CompletableFuture<T> refusal(Caller caller, Op op, String server, Secret... owned) {
    InvalidRequestException invalid = server == null ? null : RequestLimits.checkServer(server);
    if (invalid != null) {
      wipe(owned);
      return trail.refused(caller, op.wire(), server, invalid);
    }
    ShareForbiddenException forbidden = unshared(caller, op);
    if (forbidden != null) {
      wipe(owned);
      return trail.audited(caller, op.wire(), server, CompletableFuture.failedFuture(forbidden));
    }
    return null;
  }

  /** The same for an op answered at once: throws the share's refusal, recorded. */
  void check(Caller caller, Op op) {
    check(caller, op, null);
  }

  /** The same, the refusal's audit line naming {@code server} (null: none). */
  void check(Caller caller, Op op, String server) {
    ShareForbiddenException forbidden = unshared(caller, op);
    if (forbidden != null) {
      // A name past the limits (its length, a control character) is not written into the log.
      String named = server == null || RequestLimits.checkServer(server) != null ? null : server;
      trail.record(caller, op.wire(), named, AuditTrail.outcome(forbidden));
      throw forbidden;
    }
  }

  /** A refusal for what the request carries, past the name's: audited with the name by its length only. */
  <T> CompletableFuture<T> invalid(Caller caller, Op op, String server, InvalidRequestException why, Secret... owned) {
    wipe(owned);
    return trail.refused(caller, op.wire(), server, why);
  }

  private static ShareForbiddenException unshared(Caller caller, Op op) {
    return caller.share() != null && op.share() == Op.Share.NEVER ? new ShareForbiddenException("'" + op.wire() + "'") : null;
  }

  private static void wipe(Secret... owned) {
    for (Secret secret : owned) {
      if (secret != null) {
        secret.destroy();
      }
    }
  }
}
