package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.audit.CallerProcess;
import dev.credagent.audit.CallerProcesses;
import dev.credagent.caller.Caller;
import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;
import dev.credagent.vault.VaultLockedException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The service's record of who asked for what and how it ended: the audit log's lines, and the
 * requests refused while locked that {@code status} shows. Who is behind a connection is read from
 * /proc once per connection, not per request ({@link KnownCallers}), and once per process where
 * its identity can be told ({@link CallerProcesses}).
 */
final class AuditTrail {
  private final AuditLog log;
  private final Clock clock;
  private final KnownCallers callers = new KnownCallers(CallerProcesses.forThisSystem()::of);
  private final LockedRefusals refusedWhileLocked = new LockedRefusals();

  AuditTrail(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** The program behind {@code caller}, read once per connection. */
  CallerProcess who(Caller caller) {
    return callers.who(caller);
  }

  LockedRefusals.Seen refusedWhileLocked() {
    return refusedWhileLocked.seen();
  }

  void unlocked() {
    refusedWhileLocked.clear();
  }

  /**
   * Records how {@code outcome} ends, naming the key that served it and the scopes asked. Who asked
   * is read now, while the caller waits for its answer (a helper exits right after).
   */
  <T> CompletableFuture<T> audited(Caller caller, String op, String server, AuditLog.Served served,
      CompletableFuture<T> outcome) {
    return auditedSaying(caller, op, server, served, outcome, done -> "ok");
  }

  /**
   * The same, where a success has more to say than "ok": {@code said} makes the outcome of the
   * value ("replaced", where a store or a restore kept the credential it replaced as erased).
   */
  <T> CompletableFuture<T> auditedSaying(Caller caller, String op, String server, AuditLog.Served served,
      CompletableFuture<T> outcome, Function<T, String> said) {
    CallerProcess who = log.enabled() ? who(caller) : null;
    if (outcome.isDone()) { // a get, mostly: recorded now, with no stage chained for it
      Throwable failure = Async.failure(outcome);
      ended(caller, op, server, served, who, failure, failure == null ? said.apply(outcome.join()) : null);
      return outcome;
    }
    return outcome.whenComplete((done, failure) -> ended(caller, op, server, served, who, failure,
        failure == null ? said.apply(done) : null));
  }

  <T> CompletableFuture<T> auditedSaying(Caller caller, String op, String server, CompletableFuture<T> outcome,
      Function<T, String> said) {
    return auditedSaying(caller, op, server, AuditLog.Served.NOTHING, outcome, said);
  }

  private void ended(Caller caller, String op, String server, AuditLog.Served served, CallerProcess who,
      Throwable failure, String success) {
    if (failure != null && Async.cause(failure) instanceof VaultLockedException && !caller.equals(Caller.self())) {
      refusedWhileLocked.refused((who != null ? who : who(caller)).program(), clock.instant());
    }
    if (who != null) {
      log.record(op, server, who, shareOf(caller), served, failure == null ? success : outcome(Async.cause(failure)));
    }
  }

  <T> CompletableFuture<T> audited(Caller caller, String op, String server, CompletableFuture<T> outcome) {
    return audited(caller, op, server, AuditLog.Served.NOTHING, outcome);
  }

  /** A request refused for what it carries, audited with the server named by its length only. */
  <T> CompletableFuture<T> refused(Caller caller, String op, String server, InvalidRequestException why) {
    return audited(caller, op, RequestLimits.described(server), CompletableFuture.failedFuture(why));
  }

  /**
   * What {@code read} reads, with its one line for {@code op}: {@code ok}, or the refusal of a
   * locked vault (counted as refused while locked), which is thrown on. A list of the live
   * credentials and one of the erased ones, each after its gate check.
   */
  <T> T recorded(Caller caller, String op, Read<T> read) throws VaultLockedException {
    try {
      T value = read.get();
      record(caller, op, null, "ok");
      return value;
    } catch (VaultLockedException e) {
      record(caller, op, null, outcome(e));
      throw e;
    }
  }

  /** A read of the vault, which a lock refuses. */
  interface Read<T> {
    T get() throws VaultLockedException;
  }

  /** One line for what ended at once (a list, a lock); a refusal while locked is counted as {@link #audited}'s are. */
  void record(Caller caller, String op, String server, String outcome) {
    if (ErrorCode.LOCKED.wire().equals(outcome) && !caller.equals(Caller.self())) {
      refusedWhileLocked.refused(who(caller).program(), clock.instant());
    }
    if (log.enabled()) {
      log.record(op, server, who(caller), shareOf(caller), outcome);
    }
  }

  /** Writes the lines recorded so far (deferred ones: group commit), before the answers they record leave. */
  void sync() {
    log.sync();
  }

  void close() {
    log.close();
  }

  private static String shareOf(Caller caller) {
    return caller.share() == null ? null : caller.share().name();
  }

  /**
   * A failure as the audit log says it: its error code as the wire says it ({@code unauthorized},
   * {@code bad_request}), never a message that might quote input.
   */
  static String outcome(Throwable failure) {
    return AgentFailure.codeOf(failure).wire();
  }
}
