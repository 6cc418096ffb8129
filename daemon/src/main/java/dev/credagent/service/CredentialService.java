package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import dev.credagent.registry.auth.RegistryPlaces;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.registry.auth.TokenMinter;
import dev.credagent.source.SourceRunner;
import dev.credagent.source.Sources;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import dev.credagent.vault.WrongPassphraseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

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
 * The ops beyond get, store, list, unlock and lock live in parts of their own, reached from here
 * and built on the same pieces: {@link LoginService}, {@link TokenService}, {@link SourceService},
 * {@link ErasureService} and {@link KeySlotService}. Every op of every part first passes the one
 * {@link RequestGate} (limits, then the share's column of {@link Op}), and is recorded by the one
 * {@link AuditTrail}; which key serves a name is the {@link CredentialResolver}'s to say.
 *
 * <p>Futures fail with the failure itself (not wrapped; see {@link Async#cause}), each carrying its
 * {@link dev.credagent.failure.ErrorCode}, so a front door maps one type to one answer.
 */
public final class CredentialService {
  private static final Logger LOG = Logger.getLogger(CredentialService.class.getName());

  private final Vault vault;
  private final Clock clock;
  private final Executor unlocks;
  private final UnlockThrottle throttle = new UnlockThrottle();
  private final List<Runnable> lockListeners = new CopyOnWriteArrayList<>();
  private final TokenCache tokens;
  private final Sources sources;
  private final Settings config;
  private final AutoLock autoLock;
  private final AuditTrail trail;
  private final CredentialResolver resolver;
  private final RequestGate gate;
  private final Profiles profiles;
  private final KeySlotService keySlots;
  private final SourceService sourceService;
  private final ErasureService erasure;
  private final TokenService tokenService;
  private final LoginService logins;
  private final WriteBatcher batcher;
  private final PassphrasePrompt prompt;

  /**
   * @param writes one thread: stores and erases, one at a time
   * @param unlocks one thread: key derivations and the throttle's delay
   * @param network a few threads: logins, which wait on registries (bounded, so a slow registry
   *     delays other logins at most, never a read, a write or a lock)
   * @param registries how to talk to a registry; null where logins are not wanted (tests)
   * @param config the settings, read again at each unlock (a file a user edits)
   * @param audit where each request that touches a credential is recorded
   */
  public CredentialService(Vault vault, Clock clock, Executor writes, Executor unlocks, Executor network,
      RegistryLogin registries, Settings config, AuditLog audit) {
    this.vault = vault;
    this.config = config;
    this.trail = new AuditTrail(audit, clock);
    this.resolver = new CredentialResolver(vault);
    this.gate = new RequestGate(trail, this::usable);
    this.prompt = new PassphrasePrompt((caller, passphrase) -> unlock(caller, passphrase), config, trail, clock);
    this.autoLock = new AutoLock(clock);
    this.batcher = new WriteBatcher(vault, writes);
    this.clock = clock;
    this.unlocks = unlocks;
    RegistryPlaces places = new RegistryPlaces(); // one count per registry, for its tokens and its logins
    this.tokens = registries == null ? null
        : new TokenCache(new TokenMinter(registries, new StoredLogins()), network, clock, places);
    this.sources = new Sources(new SourceRunner(SourceRunner.DEFAULT_TIMEOUT), network, clock);
    this.keySlots = new KeySlotService(vault, unlocks, throttle, gate, trail);
    this.profiles = new Profiles(vault, resolver, writes, gate, clock);
    this.sourceService = new SourceService(vault, sources, profiles, writes, gate);
    this.erasure = new ErasureService(vault, profiles, writes, clock, config, gate, trail, this::usable);
    this.tokenService = new TokenService(tokens, profiles, gate, trail, this::usable, prompt::askFor);
    this.logins = new LoginService(registries, network, places, this::storeLogin, gate, trail, this::usable);
    onLock(autoLock::locked);
    onLock(sources::clear);
    if (tokens != null) {
      onLock(tokens::clear);
    }
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
    return profiles;
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
    return keySlots;
  }

  /** {@code source add|list|remove}. */
  public SourceService sources() {
    return sourceService;
  }

  /** {@code erase}, {@code restore}, {@code list --erased}. */
  public ErasureService erasure() {
    return erasure;
  }

  /** {@code login}. */
  public LoginService logins() {
    return logins;
  }

  /** {@code token}. */
  public TokenService tokens() {
    return tokenService;
  }

  /** Runs {@code listener} whenever the vault locks (a lock, a stop): caches empty themselves. */
  public void onLock(Runnable listener) {
    lockListeners.add(listener);
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
    CompletableFuture<Vault.Unlocked> refused = gate.refusal(caller, Op.UNLOCK, null, passphrase);
    if (refused != null) {
      return refused;
    }
    long locksSeen = vault.lockCount();
    return trail.audited(caller, "unlock", null, Async.on(unlocks, () -> {
      try (passphrase) {
        // First: a file that cannot be used refuses the unlock, before any key is derived or installed.
        AgentConfig settings = config.current();
        Vault.Unlocked outcome = Async.deriving(() -> open(passphrase, locksSeen, only));
        throttle.succeeded();
        trail.unlocked();
        profiles.changed(null); // here, not on the event loop at the first lookup
        // An unlock of an open vault that names no TTL (passwd's check of the current passphrase,
        // a second `unlock`) keeps the deadlines it had: it put the config's 8 h in place of the
        // 2 minutes an `unlock --ttl 2m` had chosen.
        if (outcome != Vault.Unlocked.ALREADY || ttl.idle() != null || ttl.max() != null) {
          autoLock.unlocked(ttl.idle() != null ? ttl.idle() : settings.idleTtl(),
              ttl.max() != null ? ttl.max() : settings.maxTtl());
        }
        LOG.info(switch (outcome) {
          case CREATED -> "created a new vault at " + vault.file() + " and unlocked it (" + caller + ")";
          case OPENED -> "vault unlocked (" + caller + ")";
          case ALREADY -> "unlock asked of an unlocked vault; passphrase matched (" + caller + ")";
        });
        return outcome;
      } catch (WrongPassphraseException e) {
        Duration delay = throttle.failed();
        LOG.warning("wrong passphrase (" + throttle.failures() + " in a row, " + caller + "); answering in "
            + delay.toMillis() + " ms");
        // On the unlock thread on purpose: attempts on other connections wait their turn too.
        Thread.sleep(delay);
        throw e;
      }
    }));
  }

  /**
   * The vault opened with what was typed: as typed, or, where it reads as a recovery key in
   * another spelling (lower case, an indent, no dashes), as the key was printed. Something with a
   * key's shape that is no key, and that opens nothing as a passphrase either, is answered as a
   * mistyped key. A new vault takes its passphrase as typed.
   */
  private Vault.Unlocked open(Secret typed, long locksSeen, String only) throws Exception {
    RecoveryKey.Typed read = vault.exists() ? RecoveryKey.read(typed) : new RecoveryKey.Passphrase();
    if (read instanceof RecoveryKey.Key key) {
      try (Secret printed = key.printed()) {
        if (!printed.contentEquals(typed)) {
          try {
            return vault.unlock(printed, locksSeen, only);
          } catch (WrongPassphraseException notAKey) {
            // a passphrase of 40 letters and digits: tried as typed below
          }
        }
      }
    }
    try {
      return vault.unlock(typed, locksSeen, only);
    } catch (WrongPassphraseException wrong) {
      if (read instanceof RecoveryKey.Mistyped mistyped) {
        throw new WrongPassphraseException("wrong passphrase, and not a valid recovery key: " + mistyped.why()
            + " (any case, spaces and dashes are fine)");
      }
      throw wrong;
    }
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
    gate.check(caller, Op.LOCK);
    lockNow("vault locked (" + caller + ")");
    if (!caller.equals(Caller.self())) {
      trail.record(caller, "lock", null, "ok");
    }
  }

  /**
   * Locks the vault if an auto-lock TTL has run out. Called before every credential op (so no
   * credential is handed out a moment too late) and by the daemon's timer (so the key leaves
   * memory on time even when nobody asks).
   */
  public void expireIfDue() {
    AutoLock.Due due = autoLock.due();
    if (due != null) {
      lockNow("vault locked by itself: " + due.reason());
      trail.record(Caller.self(), "lock", null, "auto-lock: " + due.reason());
    }
  }

  /** The key and every secret leave memory, and every cache is told. */
  private void lockNow(String logLine) {
    vault.lock();
    LOG.info(logLine);
    lockListeners.forEach(Runnable::run);
  }

  /** Expires the vault if due, then says whether it is unlocked; a credential op counts as use. */
  private boolean usable() {
    expireIfDue();
    autoLock.used();
    return vault.isUnlocked();
  }

  /**
   * A copy of the credential, which the caller owns and wipes: from memory at once, or, for a
   * registry whose secret comes from a source, from the source's cache (a run when it has none).
   * Through a share, only what the share {@link ShareScope#permits} is served: asking for a
   * repository inside the share never hands out a wider login.
   */
  public CompletableFuture<Credential> get(Caller caller, RegistryReference reference) {
    String server = reference.written();
    CompletableFuture<Credential> refused = gate.refusal(caller, Op.GET, server);
    if (refused != null) {
      return refused;
    }
    if (!usable() && caller.mayBeAsked()) {
      CompletableFuture<Void> asked = prompt.askFor(caller, "the login for " + server);
      if (asked != null) {
        Caller answered = caller.withoutPrompt();
        return asked.thenCompose(done -> get(answered, reference));
      }
    }
    CredentialResolver.Resolved resolved;
    ProfileTable.Choice profile = null;
    try {
      profile = profiles.choose(caller);
      resolved = profiles.resolve(profile.name(), reference);
    } catch (VaultLockedException | CredentialNotFoundException | UnknownProfileException failure) {
      return trail.audited(caller, "get", server, profile == null ? AuditLog.Served.NOTHING
          : AuditLog.Served.NOTHING.in(described(profile, null)), CompletableFuture.failedFuture(
          caller.share() != null && failure instanceof CredentialNotFoundException ? new CredentialNotFoundException(server)
              : failure));
    }
    AuditLog.Served served = new AuditLog.Served(ProfileKeys.shown(resolved.key()), List.of())
        .in(described(profile, resolved.key()));
    if (caller.share() != null && !caller.share().permits(reference, ProfileKeys.serverOf(resolved.key()))) {
      return trail.audited(caller, "get", server, served, CompletableFuture.failedFuture(new CredentialNotFoundException(server)));
    }
    return trail.audited(caller, "get", server, served, fetch(resolved));
  }

  /**
   * The gate's share column ({@link Op#share}) for {@code op}, before a door reads its fields:
   * throws the share's refusal, audited. The one check of an op through a share, whichever door.
   */
  public void admit(Caller caller, Op op) {
    gate.check(caller, op);
  }

  /** The credential under a resolved key: a copy from memory, or its source's. */
  private CompletableFuture<Credential> fetch(CredentialResolver.Resolved resolved) {
    try {
      if (!resolved.source()) {
        return CompletableFuture.completedFuture(vault.get(resolved.key()));
      }
      String definition = vault.source(resolved.key());
      if (definition == null) {
        throw new CredentialNotFoundException(resolved.key()); // removed since it was resolved
      }
      return sources.get(resolved.key(), definition);
    } catch (VaultLockedException | CredentialNotFoundException goneMeanwhile) {
      return CompletableFuture.failedFuture(goneMeanwhile);
    }
  }


  /** Server to username, in server order: the default profile's own credentials. */
  public Map<String, String> list(Caller caller) throws VaultLockedException {
    return list(caller, ProfileKeys.DEFAULT);
  }

  /**
   * What a get by {@code caller} can be answered from, server to username: its profile's own
   * credentials over the default profile's (a share: what its gets would serve). The credential
   * helper's {@code list}.
   */
  public Map<String, String> visible(Caller caller) throws VaultLockedException, UnknownProfileException {
    usable();
    String profile = profiles.choose(caller).name();
    if (ProfileKeys.DEFAULT.equals(profile) || caller.share() != null) {
      return list(caller, profile);
    }
    Map<String, String> merged = new java.util.TreeMap<>(list(caller, ProfileKeys.DEFAULT));
    merged.putAll(list(caller, profile));
    return merged;
  }

  /**
   * Server to username, in server order, of {@code profile}'s own credentials. Through a share
   * (whose profile is its own, whatever {@code profile} says): what a get through it would serve,
   * each entry as itself ({@link #servedThrough}).
   */
  public Map<String, String> list(Caller caller, String profile) throws VaultLockedException {
    usable();
    gate.check(caller, Op.LIST);
    try {
      Map<String, String> listed = caller.share() == null ? profiles.own(profile).live() : servedThrough(caller.share());
      trail.record(caller, "list", null, "ok");
      return listed;
    } catch (VaultLockedException e) {
      trail.record(caller, "list", null, AuditTrail.outcome(e));
      throw e;
    }
  }

  /**
   * What {@code share}'s list names: of its profile's credentials and those it inherits from the
   * default profile, each one a get of its own server would be served through the share (the same
   * lookup, then {@link ShareScope#permits}), so that the list and get never disagree.
   */
  private Map<String, String> servedThrough(ShareScope share) throws VaultLockedException {
    Map<String, String> candidates = new java.util.TreeMap<>(profiles.own(ProfileKeys.DEFAULT).live());
    if (!ProfileKeys.DEFAULT.equals(share.profile())) {
      candidates.putAll(profiles.own(share.profile()).live());
    }
    Map<String, String> listed = new java.util.TreeMap<>();
    for (Map.Entry<String, String> entry : candidates.entrySet()) {
      try {
        String served = ProfileKeys.serverOf(profiles.resolve(share.profile(), RegistryReference.parse(entry.getKey())).key());
        if (served.equals(entry.getKey()) && share.permits(null, served)) {
          listed.put(entry.getKey(), entry.getValue());
        }
      } catch (CredentialNotFoundException servedByNone) {
        // Not listed: a get of it would find nothing.
      }
    }
    return listed;
  }

  /**
   * Stores {@code credential} durably; takes ownership of its secret. A different credential it
   * replaces (another username or secret under the key; for Docker Hub, under any of its names) is
   * not lost: it is kept as erased, restorable for erased-ttl, and the audit line says "replaced".
   * A store of the identical credential replaces nothing.
   */
  public CompletableFuture<Void> store(Caller caller, String server, Credential credential) {
    CompletableFuture<Void> refused = gate.refusal(caller, Op.STORE, server, credential.secret());
    if (refused != null) {
      return refused;
    }
    InvalidRequestException invalid = RequestLimits.checkCredential(credential.username(), credential.secret().length());
    if (invalid != null) {
      return gate.invalid(caller, Op.STORE, server, invalid, credential.secret());
    }
    usable();
    WriteBatcher.Keeping keeping = keeping(caller);
    ProfileTable.Choice profile;
    try {
      profile = profiles.choose(caller); // stores go to the caller's profile, never another
    } catch (VaultLockedException | UnknownProfileException failure) {
      credential.secret().destroy();
      return trail.audited(caller, "store", server, CompletableFuture.failedFuture(failure));
    }
    String prefix = ProfileKeys.prefix(profile.name());
    AuditLog.Served in = AuditLog.Served.NOTHING.in(described(profile, null));
    if (ServerNames.isHub(server)) {
      // One Docker Hub login under all its names: stored under docker's key, the other names' keys gone.
      List<String> others;
      try {
        others = profiles.own(profile.name()).hubAliases();
      } catch (VaultLockedException locked) {
        credential.secret().destroy();
        return trail.audited(caller, "store", server, CompletableFuture.failedFuture(locked));
      }
      CompletableFuture<Boolean> stored = storeKeeping(prefix + ServerNames.HUB_KEY, credential, keeping);
      for (String alias : others) {
        stored = stored.thenCompose(replaced -> batcher.submit(new Vault.Remove(alias), keeping)
            .exceptionally(goneMeanwhile -> false).whenComplete((gone, failure) -> profiles.changed(alias))
            .thenApply(gone -> replaced || gone));
      }
      return storedSaying(caller, server, in, stored);
    }
    return storedSaying(caller, server, in, storeKeeping(prefix + server, credential, keeping));
  }

  /** A login's store: under {@code key} in the caller's profile. */
  private CompletableFuture<Boolean> storeLogin(Caller caller, String key, Credential credential) {
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

  private CompletableFuture<Void> storedSaying(Caller caller, String server, AuditLog.Served in,
      CompletableFuture<Boolean> stored) {
    return trail.auditedSaying(caller, "store", server, in, stored, replaced -> replaced ? "replaced" : "ok")
        .thenApply(replaced -> null);
  }

  private CompletableFuture<Boolean> storeKeeping(String server, Credential credential, WriteBatcher.Keeping keeping) {
    return batcher.submit(new Vault.Put(server, credential), keeping).whenComplete((done, failure) -> profiles.changed(server));
  }

  /** A store by the daemon itself, not audited as a client's: a login's ({@link LoginService} audits it as "login"). */
  private CompletableFuture<Void> storeUnaudited(String server, Credential credential) {
    return batcher.submit(new Vault.Put(server, credential)).whenComplete((done, failure) -> profiles.changed(server));
  }

  /**
   * The logins a token is minted with: found as a get finds them; a rotated refresh token stored
   * back under the key that supplied it, audited and the replaced one kept ({@link ErasureService#refreshed}).
   */
  private final class StoredLogins implements TokenMinter.Logins {
    @Override
    public TokenMinter.Login login(String lookup) throws Exception {
      usable();
      // The lookup carries the profile of the token's request ({@link TokenService}): resolved in it, as a get.
      CredentialResolver.Resolved resolved = profiles.resolve(ProfileKeys.profileOf(lookup),
          RegistryReference.parse(ProfileKeys.serverOf(lookup)));
      try {
        return new TokenMinter.Login(resolved.source() ? null : resolved.key(), fetch(resolved).join());
      } catch (CompletionException e) {
        throw Async.cause(e) instanceof Exception failure ? failure : e;
      }
    }

    @Override
    public void rotated(String key, Credential supplied, Credential refreshed) {
      erasure.refreshed(key, supplied, refreshed).join();
    }
  }

  /** Time left before the vault locks by itself, per TTL (null: off, or locked already). */
  public AutoLockRemaining autoLockRemaining() {
    expireIfDue();
    AutoLock.Remaining left = autoLock.remaining();
    return new AutoLockRemaining(left.idle(), left.max());
  }

  public record AutoLockRemaining(Duration idle, Duration max) {}

  /** The requests refused since the vault was last locked: how many, and the last (null: none). */
  public LockedRefusals.Seen refusedWhileLocked() {
    return trail.refusedWhileLocked();
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
    trail.sync();
  }

  /** Wipes everything on the way out (SIGTERM, a {@code stop}). */
  public void close() {
    lock(Caller.self());
    trail.close();
  }
}
