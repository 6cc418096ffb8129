package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.registry.RegistryReference;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The one place credentials are handled, behind both front doors (the JSON-lines protocol and
 * the credential-helper relay), which only decode, call this and encode. It owns:
 *
 * <ul>
 *   <li>the threads: reads and {@code lock} answer at once; stores and erases run one at a time
 *       on the write thread (fsync); unlock attempts on a thread of their own (Argon2, and the
 *       growing delay after a wrong passphrase), so that neither ever holds back the other or a
 *       lock;
 *   <li>secret ownership: a secret handed in is this service's to keep or wipe, whatever happens;
 *       a credential handed out is a copy the caller wipes;
 *   <li>the clock, the caller's identity, and the event "locked", which caches subscribe to.
 * </ul>
 *
 * Each op is served by a part of its own ({@link ServiceParts}), made once by the composition
 * root and reached from here: {@link UnlockService} (unlock, lock, the throttle, the prompt, the
 * TTLs), {@link StoreService}, {@link LoginService}, {@link TokenService}, {@link SourceService},
 * {@link ErasureService} and {@link KeySlotService}; get and list are answered here. Every op of every part first passes the one
 * {@link RequestGate} (limits, then the share's column of {@link Op}), and is recorded by the one
 * {@link AuditTrail}; which key serves a name is the {@link CredentialResolver}'s to say.
 *
 * <p>Futures fail with the failure itself (not wrapped; see {@link Async#cause}), each carrying its
 * {@link dev.credagent.failure.ErrorCode}, so a front door maps one type to one answer.
 */
public final class CredentialService {
  private final Vault vault;
  private final Clock clock;
  private final ServiceParts parts;

  /** The service over {@code vault}, of parts made by the composition root ({@link ServiceParts#wire}). */
  public CredentialService(Vault vault, Clock clock, ServiceParts parts) {
    this.vault = vault;
    this.clock = clock;
    this.parts = parts;
  }

  /** The parts wired as the daemon wires them ({@link ServiceParts#wire} says what each argument is). */
  public CredentialService(Vault vault, Clock clock, Executor writes, Executor unlocks, Executor network,
      RegistryLogin registries, Settings config, AuditLog audit) {
    this(vault, clock, ServiceParts.wire(vault, clock, writes, unlocks, network, registries, config, audit));
  }

  /** A service without logins, for tests of everything else. */
  public CredentialService(Vault vault, Clock clock, Executor writes, Executor unlocks) {
    this(vault, clock, writes, unlocks, Runnable::run, null, () -> AgentConfig.DEFAULTS, AuditLog.NONE);
  }

  public Clock clock() {
    return clock;
  }

  /** {@code profile add|list|remove|which}, and which profile a request is answered in. */
  public Profiles profiles() {
    return parts.profiles();
  }

  /**
   * The profile as the audit line names it: its name, and why where the caller's working
   * directory could not be judged (so a request that fell to the default profile says so).
   */
  static String described(ProfileTable.Choice profile, String key) {
    String name = profile.judged() ? profile.name() : profile.name() + " (" + profile.why() + ")";
    return key != null && !ProfileKeys.profileOf(key).equals(profile.name()) ? name + ", from " + ProfileKeys.profileOf(key) : name;
  }

  /** {@code passwd} and {@code keyslot}. */
  public KeySlotService keySlots() {
    return parts.keySlots();
  }

  /** {@code source add|list|remove}. */
  public SourceService sources() {
    return parts.sourceService();
  }

  /** {@code erase}, {@code restore}, {@code list --erased}. */
  public ErasureService erasure() {
    return parts.erasure();
  }

  /** {@code login}. */
  public LoginService logins() {
    return parts.logins();
  }

  /** {@code token}. */
  public TokenService tokens() {
    return parts.tokens();
  }

  /** Runs {@code listener} whenever the vault locks (a lock, a stop): caches empty themselves. */
  public void onLock(Runnable listener) {
    parts.locks().onLock(listener);
  }

  /** {@code unlock} and {@code lock}: the throttle, the prompt and the TTLs. */
  public UnlockService unlocking() {
    return parts.unlocking();
  }

  /**
   * Opens (or creates) the vault. Takes ownership of {@code passphrase}. A lock that comes after
   * this call wins over it, however long the unlock waits for its turn.
   */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase, Ttl ttl) {
    return unlock(caller, passphrase, ttl, null);
  }

  /**
   * The same, opened only through the key slots of {@code only} ("login": PAM at login) where it
   * is not null; then no vault is ever created.
   */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase, Ttl ttl, String only) {
    return parts.unlocking().unlock(caller, passphrase, ttl, only, false);
  }

  /** The secret checked against the unlocked vault, which it never opens: {@link UnlockService#unlock} with checkOnly. */
  public CompletableFuture<Vault.Unlocked> checkPassphrase(Caller caller, Secret passphrase, String only) {
    return parts.unlocking().unlock(caller, passphrase, new Ttl(null, null), only, true);
  }

  /** An unlock's own TTLs ({@code credagent unlock --ttl 30m}); null takes the config's. */
  public record Ttl(Duration idle, Duration max) {
    public static final Ttl CONFIGURED = new Ttl(null, null);
  }

  /** Unlocks with the TTLs of the config. */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase) {
    return unlock(caller, passphrase, Ttl.CONFIGURED);
  }

  /** Wipes the key and every secret at once, ahead of anything queued. */
  public void lock(Caller caller) {
    parts.unlocking().lock(caller);
  }

  /** Locks the vault if an auto-lock TTL has run out (the daemon's timer: the key leaves memory on time). */
  public void expireIfDue() {
    parts.locks().expireIfDue();
  }

  private boolean usable() {
    return parts.locks().usable();
  }

  /**
   * A copy of the credential, which the caller owns and wipes: from memory at once, or, for a
   * registry whose secret comes from a source, from the source's cache (a run when it has none).
   * Through a share, only what the share {@link ShareScope#permits} is served: asking for a
   * repository inside the share never hands out a wider login.
   */
  public CompletableFuture<Credential> get(Caller caller, RegistryReference reference) {
    String server = reference.written();
    CompletableFuture<Credential> refused = parts.gate().refusal(caller, Op.GET, server);
    if (refused != null) {
      return refused;
    }
    if (!usable() && caller.mayBeAsked()) {
      CompletableFuture<Void> asked = parts.unlocking().prompt().askFor(caller, "the login for " + server);
      if (asked != null) {
        Caller answered = caller.withoutPrompt();
        return asked.thenCompose(done -> get(answered, reference));
      }
    }
    CredentialResolver.Resolved resolved;
    ProfileTable.Choice profile = null;
    try {
      profile = parts.profiles().choose(caller);
      resolved = parts.profiles().resolve(profile.name(), reference);
    } catch (VaultLockedException | CredentialNotFoundException | UnknownProfileException failure) {
      return parts.trail().audited(caller, "get", server, profile == null ? AuditLog.Served.NOTHING
          : AuditLog.Served.NOTHING.in(described(profile, null)), CompletableFuture.failedFuture(
          caller.share() != null && failure instanceof CredentialNotFoundException ? new CredentialNotFoundException(server)
              : failure));
    }
    AuditLog.Served served = new AuditLog.Served(ProfileKeys.shown(resolved.key()), List.of())
        .in(described(profile, resolved.key()));
    if (caller.share() != null && !caller.share().permits(reference, ProfileKeys.serverOf(resolved.key()))) {
      return parts.trail().audited(caller, "get", server, served, CompletableFuture.failedFuture(new CredentialNotFoundException(server)));
    }
    return parts.trail().audited(caller, "get", server, served, parts.fetcher().fetch(resolved));
  }

  /**
   * The gate's share column ({@link Op#share}) for {@code op}, before a door reads its fields:
   * throws the share's refusal, audited (naming {@code server} where the door has read it, else
   * null). The one check of an op through a share, whichever door.
   */
  public void admit(Caller caller, Op op, String server) {
    parts.gate().check(caller, op, server);
  }

  /** Server to username, in server order: the default profile's own credentials. */
  public Map<String, String> list(Caller caller) throws VaultLockedException {
    return list(caller, ProfileKeys.DEFAULT);
  }

  /**
   * What a get by {@code caller} can be answered from, server to username: its profile's own
   * credentials over the default profile's (a share: what its gets would serve). The credential
   * helper's {@code list}: one request, so one gate check and one audit line.
   */
  public Map<String, String> visible(Caller caller) throws VaultLockedException, UnknownProfileException {
    usable();
    String profile = parts.profiles().choose(caller).name();
    return listed(caller, () -> parts.profiles().withInherited(profile), () -> parts.profiles().servedThrough(caller.share()));
  }

  /**
   * Server to username, in server order, of {@code profile}'s own credentials. Through a share
   * (whose profile is its own, whatever {@code profile} says): what a get through it would serve,
   * each entry as itself ({@link Profiles#servedThrough}).
   */
  public Map<String, String> list(Caller caller, String profile) throws VaultLockedException {
    usable();
    return listed(caller, () -> parts.profiles().own(profile).live(), () -> parts.profiles().servedThrough(caller.share()));
  }

  /**
   * The profile a list names: {@code named} (empty: the default), which must exist. A locked vault
   * cannot tell, and refuses the list here as {@link #list} would: its gate check and audit line
   * (the codec looked the name up itself, and that refusal passed the trail by, uncounted).
   */
  public String profileToList(Caller caller, String named) throws VaultLockedException, UnknownProfileException {
    if (named.isEmpty()) {
      return ProfileKeys.DEFAULT;
    }
    try {
      return parts.profiles().table().named(named, "--profile").name();
    } catch (VaultLockedException e) {
      parts.gate().check(caller, Op.LIST);
      parts.trail().record(caller, "list", null, AuditTrail.outcome(e));
      throw e;
    }
  }

  /**
   * Every profile's own credentials, profile to server to username, in the profile table's order:
   * the CLI's {@code list}, one request, so one gate check and one audit line (it was a line for
   * each profile and one more). Through a share: its credentials, under its profile.
   */
  public Map<String, Map<String, String>> listEveryProfile(Caller caller) throws VaultLockedException {
    usable();
    return listed(caller, () -> {
      Map<String, Map<String, String>> every = new java.util.LinkedHashMap<>();
      for (String profile : parts.profiles().table().names()) {
        every.put(profile, parts.profiles().own(profile).live());
      }
      return every;
    }, () -> Map.of(caller.share().profile(), parts.profiles().servedThrough(caller.share())));
  }

  /** A list's gate check, its listing ({@code own}; {@code throughShare} for a share's caller, whatever was asked) and its audit line. */
  private <T> T listed(Caller caller, AuditTrail.Read<T> own, AuditTrail.Read<T> throughShare) throws VaultLockedException {
    parts.gate().check(caller, Op.LIST);
    return parts.trail().recorded(caller, "list", caller.share() == null ? own : throughShare);
  }

  /**
   * Stores {@code credential} durably; takes ownership of its secret. What it replaces is kept as
   * erased ({@link StoreService#store}).
   */
  public CompletableFuture<Void> store(Caller caller, String server, Credential credential) {
    return parts.stores().store(caller, server, credential);
  }

  /** Time left before the vault locks by itself, per TTL (null: off, or locked already). */
  public AutoLockRemaining autoLockRemaining() {
    AutoLock.Remaining left = parts.locks().remaining();
    return new AutoLockRemaining(left.idle(), left.max());
  }

  public record AutoLockRemaining(Duration idle, Duration max) {}

  /** The requests refused since the vault was last locked: how many, and the last (null: none). */
  public LockedRefusals.Seen refusedWhileLocked() {
    return parts.trail().refusedWhileLocked();
  }

  /** What {@code status} reports of the vault. */
  public record VaultStatus(boolean unlocked, boolean exists, Integer credentials) {}

  public VaultStatus status() {
    Integer size;
    try {
      // Every profile's, not the erased ones kept for restore (which sort first, before LIVE_FROM).
      size = vault.size() - vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).size();
    } catch (VaultLockedException locked) {
      size = null; // a locked vault does not know how many it holds
    }
    return new VaultStatus(size != null, vault.exists(), size);
  }

  /**
   * What must be on disk before an answer reaches a client is written now: the audit log's lines
   * of the answers about to leave. The transport calls this once per event-loop turn.
   */
  public void beforeAnswersLeave() {
    parts.trail().sync();
  }

  /** Wipes everything on the way out (SIGTERM, a {@code stop}). */
  public void close() {
    lock(Caller.self());
    parts.trail().close();
  }
}
