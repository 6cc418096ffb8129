package dev.credagent.service;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.credagent.audit.AuditLog;
import dev.credagent.protocol.Op;
import dev.credagent.prompt.Pinentry;
import java.util.Optional;
import dev.credagent.audit.CallerProcess;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.registry.auth.TokenMinter;
import dev.credagent.registry.RegistryErrors;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.source.SourceDefinition;
import dev.credagent.source.SourceRunner;
import dev.credagent.source.Sources;
import dev.credagent.vault.Argon2id;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import dev.credagent.vault.WrongPassphraseException;
import dev.credagent.vault.Secret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
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
 * Futures fail with the {@link VaultException} or {@link IOException} itself (not wrapped), so a
 * front door maps one exception type to one answer.
 */
public final class CredentialService {
  private static final Logger LOG = Logger.getLogger(CredentialService.class.getName());

  private final Vault vault;
  private final Clock clock;
  private final Executor writes;
  private final Executor unlocks;
  private final Executor network;
  private final RegistryLogin registries;
  private final UnlockThrottle throttle = new UnlockThrottle();
  private final List<Runnable> lockListeners = new CopyOnWriteArrayList<>();
  private final TokenCache tokens;
  private final Sources sources;
  private final dev.credagent.config.Settings config;
  private final AutoLock autoLock;
  private final AuditTrail trail;
  private final CredentialResolver resolver;
  private final ErasedCredentials erasedCredentials;
  private final WriteBatcher batcher;
  private final PassphrasePrompt prompt = new PassphrasePrompt((caller, passphrase) -> unlock(caller, passphrase));

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
      RegistryLogin registries, dev.credagent.config.Settings config, AuditLog audit) {
    this.vault = vault;
    this.config = config;
    this.trail = new AuditTrail(audit, clock);
    this.resolver = new CredentialResolver(vault);
    this.erasedCredentials = new ErasedCredentials(vault);
    this.autoLock = new AutoLock(clock);
    this.batcher = new WriteBatcher(vault, writes);
    this.clock = clock;
    this.writes = writes;
    this.unlocks = unlocks;
    this.network = network;
    this.registries = registries;
    this.tokens = registries == null ? null : new TokenCache(new TokenMinter(registries, new StoredLogins()), network, Ticker.systemTicker(), clock);
    this.sources = new Sources(new SourceRunner(SourceRunner.DEFAULT_TIMEOUT), network, clock);
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

  /**
   * The share gate, one for every op and every front door: a request that came through a share
   * for an op no share serves ({@link Op#shared}) is refused; null where it may go on.
   */
  private static ShareForbiddenException unshared(Caller caller, Op op) {
    return caller.share() != null && !op.shared() ? new ShareForbiddenException("'" + op.wire() + "'") : null;
  }

  private <T> CompletableFuture<T> forbidden(Caller caller, Op op, String server, ShareForbiddenException why) {
    return trail.audited(caller, op.wire(), server, CompletableFuture.failedFuture(why));
  }

  /**
   * The prompt for the passphrase on the caller's terminal (pinentry), where the config allows
   * one, a share is not asking, and the terminal is the caller's own; null where none is made.
   */
  private CompletableFuture<Void> askForPassphrase(Caller caller, String wanted) {
    if (caller.share() != null || !Pinentry.usableTerminal(caller.terminal(), caller.uid())) {
      return null;
    }
    Optional<Pinentry> pinentry;
    try {
      pinentry = Pinentry.of(config.current().pinentry(), System.getenv("PATH"));
    } catch (dev.credagent.config.ConfigException unusable) {
      return null;
    }
    if (pinentry.isEmpty()) {
      return null;
    }
    CallerProcess who = trail.who(caller);
    String program = who.program().substring(who.program().lastIndexOf('/') + 1);
    return prompt.unlockFor(caller, pinentry.get(), caller.terminal(),
        program + " (pid " + who.programPid() + ") wants " + wanted);
  }

  /**
   * Where a request for {@code server} stops before it starts: a name past the limits, or an op
   * no share serves through a share; audited, as a failed future. Null where it may go on.
   */
  private <T> CompletableFuture<T> refusal(Caller caller, Op op, String server) {
    InvalidRequestException invalid = RequestLimits.checkServer(server);
    if (invalid != null) {
      return trail.refused(caller, op.wire(), server, invalid);
    }
    ShareForbiddenException forbidden = unshared(caller, op);
    return forbidden == null ? null : forbidden(caller, op, server, forbidden);
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
    ShareForbiddenException forbidden = unshared(caller, Op.UNLOCK);
    if (forbidden != null) {
      passphrase.destroy();
      return forbidden(caller, Op.UNLOCK, null, forbidden);
    }
    long locksSeen = vault.lockCount();
    return trail.audited(caller, "unlock", null, async(unlocks, () -> {
      try (passphrase) {
        // First: a file that cannot be used refuses the unlock, before any key is derived or installed.
        AgentConfig settings = config.current();
        Vault.Unlocked outcome = deriving(() -> vault.unlock(passphrase, locksSeen, only));
        throttle.succeeded();
        trail.unlocked();
        resolver.changed(null); // here, not on the event loop at the first lookup
        autoLock.unlocked(ttl.idle() != null ? ttl.idle() : settings.idleTtl(),
            ttl.max() != null ? ttl.max() : settings.maxTtl());
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

  /** An unlock's own TTLs ({@code credagent unlock --ttl 30m}); null takes the config's. */
  public record Ttl(Duration idle, Duration max) {
    public static final Ttl CONFIGURED = new Ttl(null, null);
  }



  /** Unlocks with the TTLs of the config. */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase) {
    return unlock(caller, passphrase, Ttl.CONFIGURED);
  }

  /**
   * Logs in to {@code registry} with {@code username} and {@code password} (which this service
   * then owns) and stores what the login yields under the registry's key: the username and
   * password, or docker's {@code <token>} and the refresh token. A refused login stores nothing
   * and leaves the credential already there untouched. Completes with the stored username.
   */
  /** Logs in to {@code registry} and stores what it yields under {@code key}: its own key, or a pattern. */
  public CompletableFuture<String> login(Caller caller, RegistryAddress registry, String key, String username,
      Secret password) {
    ShareForbiddenException forbidden = unshared(caller, Op.LOGIN);
    if (forbidden != null) {
      password.destroy();
      return forbidden(caller, Op.LOGIN, key, forbidden);
    }
    InvalidRequestException invalid = RequestLimits.checkServer(key);
    if (invalid == null) {
      invalid = RequestLimits.checkCredential(username, password.length());
    }
    if (invalid != null) {
      password.destroy();
      return trail.refused(caller, "login", key, invalid);
    }
    return trail.audited(caller, "login", key, loginUnaudited(caller, registry, key, username, password));
  }

  private CompletableFuture<String> loginUnaudited(Caller caller, RegistryAddress registry, String key, String username,
      Secret password) {
    if (!usable()) {
      password.destroy();
      return CompletableFuture.failedFuture(new VaultLockedException());
    }
    CompletableFuture<Credential> loggedIn = async(network, () -> {
      try (password) {
        if (registries == null) {
          throw new LoginFailedException("this daemon makes no logins");
        }
        return registries.login(registry, username, password);
      } catch (IOException e) {
        throw RegistryErrors.ofLogin(registry, e);
      }
    });
    return loggedIn.thenCompose(credential -> storeUnaudited(key, credential).thenApply(stored -> {
      LOG.info("logged in to " + registry.key() + " as " + credential.username()
          + (key.equals(registry.key()) ? "" : ", stored for " + key) + " (" + caller + ")");
      return credential.username();
    }));
  }

  /**
   * A bearer token that {@code registry} accepts now for {@code scopes}, for scripts (`curl`): from
   * the cache, or asked of its token server with the stored refresh token or username and
   * password. The token is a copy the caller wipes.
   */
  public CompletableFuture<TokenCache.Token> token(Caller caller, RegistryAddress registry, List<String> scopes) {
    return token(caller, registry, registry.key(), scopes);
  }

  /**
   * The same, with the stored login looked up by {@code lookup}: the registry's key, or that and a
   * repository's path ({@code ghcr.io/my-org/app}), which path patterns match. Through a share, a
   * token is minted only for repository scopes the share allows: the login behind it may be wider
   * than the share (a host-wide one), and only tokens scoped inside the share leave through it.
   */
  public CompletableFuture<TokenCache.Token> token(Caller caller, RegistryAddress registry, String lookup,
      List<String> scopes) {
    InvalidRequestException invalid = RequestLimits.checkServer(lookup);
    if (invalid == null && String.join(" ", scopes).length() > RequestLimits.MAX_SERVER_CHARS * 4) {
      invalid = new InvalidRequestException("the scopes asked are longer than " + RequestLimits.MAX_SERVER_CHARS * 4
          + " characters");
    }
    if (invalid != null) {
      return trail.refused(caller, "token", lookup, invalid);
    }
    AuditLog.Served asked = new AuditLog.Served(null, scopes);
    if (caller.share() != null) {
      if (!caller.share().allows(lookup)) {
        return trail.audited(caller, "token", lookup, asked, CompletableFuture.failedFuture(new CredentialNotFoundException(lookup)));
      }
      String host = registry.key(); // HOST[:PORT], or Docker Hub's key
      if (scopes.isEmpty() ? !caller.share().allows(host)
          : !scopes.stream().allMatch(scope -> caller.share().allowsScope(host, scope))) {
        return trail.audited(caller, "token", lookup, asked,
            CompletableFuture.failedFuture(new ShareForbiddenException("a token for scopes outside it")));
      }
    }
    if (!usable()) {
      return trail.audited(caller, "token", registry.key(), asked, CompletableFuture.failedFuture(new VaultLockedException()));
    }
    if (tokens == null) {
      return CompletableFuture.failedFuture(new LoginFailedException("this daemon makes no logins"));
    }
    AuditLog.Served served = new AuditLog.Served(resolver.keyFor(lookup), scopes);
    return trail.audited(caller, "token", lookup, served, tokens.get(new TokenCache.Key(registry, lookup, new TreeSet<>(scopes)))
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(cause(failure))));
  }

  /** Wipes the key and every secret at once, ahead of anything queued. */
  public void lock(Caller caller) {
    ShareForbiddenException forbidden = unshared(caller, Op.LOCK);
    if (forbidden != null) {
      trail.record(caller, "lock", null, "forbidden");
      throw forbidden;
    }
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
   * Through a share, only a credential whose key lies inside the share ({@link ShareScope#covers})
   * is served: asking for a repository inside the share never hands out a wider login.
   */
  public CompletableFuture<Credential> get(Caller caller, String server) {
    InvalidRequestException invalid = RequestLimits.checkServer(server);
    if (invalid != null) {
      return trail.refused(caller, "get", server, invalid);
    }
    if (!usable() && caller.terminal() != null) {
      CompletableFuture<Void> asked = askForPassphrase(caller, "the login for " + server);
      if (asked != null) {
        Caller answered = new Caller(caller.uid(), caller.pid(), caller.share(), null);
        return asked.thenCompose(done -> get(answered, server));
      }
    }
    RegistryReference reference = RegistryReference.parse(server); // once: the gate and the lookup read the same parts
    CredentialResolver.Resolved resolved;
    try {
      resolved = resolver.resolve(reference);
    } catch (VaultLockedException | CredentialNotFoundException failure) {
      return trail.audited(caller, "get", server, AuditLog.Served.NOTHING, CompletableFuture.failedFuture(
          caller.share() != null && failure instanceof CredentialNotFoundException ? new CredentialNotFoundException(server)
              : failure));
    }
    AuditLog.Served served = new AuditLog.Served(resolved.key(), List.of());
    if (caller.share() != null && (!caller.share().allows(reference) || !caller.share().covers(resolved.key()))) {
      return trail.audited(caller, "get", server, served, CompletableFuture.failedFuture(new CredentialNotFoundException(server)));
    }
    return trail.audited(caller, "get", server, served, fetch(resolved));
  }

  /** The credential of {@code server} as {@link #resolve} finds it, for a token's grant: no share applies. */
  private CompletableFuture<Credential> getUnaudited(String server) {
    usable();
    try {
      return fetch(resolver.resolve(server));
    } catch (VaultLockedException | CredentialNotFoundException failure) {
      return CompletableFuture.failedFuture(failure);
    }
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


  /**
   * Adds (or replaces) the source for {@code registry}, durably; completes with a warning for the
   * caller (its program is not there to run yet), or null.
   */
  public CompletableFuture<String> addSource(Caller caller, String registry, SourceDefinition definition) {
    ShareForbiddenException forbidden = unshared(caller, Op.SOURCE_ADD);
    if (forbidden != null) {
      return forbidden(caller, Op.SOURCE_ADD, registry, forbidden);
    }
    InvalidRequestException invalid = RequestLimits.checkServer(registry);
    if (invalid != null) {
      return trail.refused(caller, "source_add", registry, invalid);
    }
    usable();
    return trail.audited(caller, "source_add", registry, async(writes, () -> {
      vault.putSource(registry, Sources.encode(definition));
      sources.forget(registry);
      resolver.changed(registry);
      LOG.info("source for " + registry + " added (" + caller + ")");
      return definition.missingProgram(System.getenv("PATH"));
    }));
  }

  /** Registry to a description of its source (never an environment value). */
  public SortedMap<String, String> listSources(Caller caller) throws VaultLockedException {
    ShareForbiddenException forbidden = unshared(caller, Op.SOURCE_LIST);
    if (forbidden != null) {
      throw forbidden;
    }
    SortedMap<String, String> described = new java.util.TreeMap<>();
    vault.sources().forEach((registry, stored) -> {
      try {
        described.put(registry, Sources.decode(stored).describe());
      } catch (IOException | IllegalArgumentException e) {
        described.put(registry, "unreadable");
      }
    });
    return described;
  }

  /** Registry to why its source's last run failed (those failing now); never an environment value. */
  public java.util.Map<String, String> failingSources() {
    return sources.failing();
  }

  public CompletableFuture<Void> removeSource(Caller caller, String registry) {
    CompletableFuture<Void> refused = refusal(caller, Op.SOURCE_REMOVE, registry);
    if (refused != null) {
      return refused;
    }
    usable();
    return trail.audited(caller, "source_remove", registry, async(writes, () -> {
      vault.removeSource(registry);
      sources.forget(registry);
      resolver.changed(registry);
      return null;
    }));
  }

  /** Server to username, in server order. */
  public Map<String, String> list(Caller caller) throws VaultLockedException {
    usable();
    try {
      Map<String, String> listed = caller.share() == null ? resolver.live() : within(caller.share(), resolver.live());
      trail.record(caller, "list", null, "ok");
      return listed;
    } catch (VaultLockedException e) {
      trail.record(caller, "list", null, AuditTrail.outcome(e));
      throw e;
    }
  }

  /** What of {@code all} a share may name: the servers its patterns allow, and no other. */
  private static Map<String, String> within(ShareScope share, Map<String, String> all) {
    Map<String, String> allowed = new java.util.LinkedHashMap<>(); // in the vault's order, which is sorted
    all.forEach((server, username) -> {
      if (share.covers(server)) {
        allowed.put(server, username);
      }
    });
    return allowed;
  }

  /** Stores {@code credential} durably; takes ownership of its secret. */
  public CompletableFuture<Void> store(Caller caller, String server, Credential credential) {
    InvalidRequestException invalid = RequestLimits.checkServer(server);
    if (invalid == null) {
      invalid = RequestLimits.checkCredential(credential.username(), credential.secret().length());
    }
    if (invalid != null) {
      credential.secret().destroy();
      return trail.refused(caller, "store", server, invalid);
    }
    ShareForbiddenException forbidden = unshared(caller, Op.STORE);
    if (forbidden != null) {
      credential.secret().destroy();
      return forbidden(caller, Op.STORE, server, forbidden);
    }
    usable();
    if (ServerNames.isHub(server)) {
      // One Docker Hub login under all its names: stored under docker's key, the other names' keys gone.
      List<String> others;
      try {
        others = resolver.hubAliases();
      } catch (VaultLockedException locked) {
        credential.secret().destroy();
        return trail.audited(caller, "store", server, CompletableFuture.failedFuture(locked));
      }
      CompletableFuture<Void> stored = storeUnaudited(ServerNames.HUB_KEY, credential);
      for (String alias : others) {
        stored = stored.thenCompose(done -> batcher.submit(new Vault.Remove(alias))
            .exceptionally(goneMeanwhile -> null).whenComplete((gone, failure) -> resolver.changed(alias)));
      }
      return trail.audited(caller, "store", server, stored);
    }
    return trail.audited(caller, "store", server, storeUnaudited(server, credential));
  }

  private CompletableFuture<Void> storeUnaudited(String server, Credential credential) {
    return batcher.submit(new Vault.Put(server, credential)).whenComplete((done, failure) -> resolver.changed(server));
  }

  public CompletableFuture<Void> erase(Caller caller, String server) {
    return erase(caller, server, false);
  }

  /**
   * Erases the credential {@code server} names (under any of its registry's names: Docker Hub's
   * under all of them) and keeps it, encrypted in the vault and never served, for {@code
   * erased-ttl}, so that {@link #restore} can bring it back; with {@code purge} (or an
   * {@code erased-ttl} of 0), deletes it at once. Patterns and sources are never erased by a name
   * that only resolves to them.
   */
  public CompletableFuture<Void> erase(Caller caller, String server, boolean purge) {
    CompletableFuture<Void> refused = refusal(caller, Op.ERASE, server);
    if (refused != null) {
      return refused;
    }
    usable();
    CallerProcess who = trail.who(caller);
    return trail.audited(caller, purge ? "purge" : "erase", server, async(writes, () -> {
      List<String> keys = resolver.erasable(server);
      if (keys.isEmpty()) {
        throw new CredentialNotFoundException(server);
      }
      Duration keep = purge ? Duration.ZERO : config.current().erasedTtl();
      java.time.Instant now = clock.instant();
      List<Vault.Change> changes = new ArrayList<>(erasedCredentials.erase(keys, now, who.program(), keep));
      changes.addAll(erasedCredentials.expired(now, keep.isZero() ? config.current().erasedTtl() : keep));
      vault.apply(changes);
      keys.forEach(resolver::changed);
      LOG.info((keep.isZero() ? "purged " : "erased ") + String.join(", ", keys) + " (" + caller + ")");
      return null;
    }));
  }

  /** The erased credentials kept now, newest first; none through a share. */
  public List<ErasedCredential> erased(Caller caller) throws VaultLockedException {
    usable();
    if (caller.share() != null) {
      return List.of();
    }
    return erasedCredentials.list();
  }

  /** Brings back the credential last erased for {@code server} (any of its registry's names), as it was. */
  public CompletableFuture<Void> restore(Caller caller, String server) {
    CompletableFuture<Void> refused = refusal(caller, Op.RESTORE, server);
    if (refused != null) {
      return refused;
    }
    usable();
    return trail.audited(caller, "restore", server, async(writes, () -> {
      ErasedCredentials.Restore restore = erasedCredentials.restore(server);
      vault.apply(restore.changes());
      resolver.changed(restore.key());
      LOG.info("restored " + restore.key() + " (" + caller + ")");
      return null;
    }));
  }

  /** Deletes every erased credential at once ({@code credagent erase --purge --all}); how many there were. */
  public CompletableFuture<Integer> purgeErased(Caller caller) {
    ShareForbiddenException forbidden = unshared(caller, Op.ERASE);
    if (forbidden != null) {
      return forbidden(caller, Op.ERASE, null, forbidden);
    }
    usable();
    return trail.audited(caller, "purge", null, async(writes, () -> {
      List<Vault.Change> all = erasedCredentials.all();
      if (!all.isEmpty()) {
        vault.apply(all);
      }
      return all.size();
    }));
  }

  /** The logins a token is minted with: found as a get finds them; a rotated refresh token stored back. */
  private final class StoredLogins implements TokenMinter.Logins {
    @Override
    public Credential login(String lookup) throws Exception {
      try {
        return getUnaudited(lookup).join(); // exact, its source, or a pattern's, as a get
      } catch (CompletionException e) {
        throw cause(e) instanceof Exception failure ? failure : e;
      }
    }

    @Override
    public boolean storedUnder(String key) throws Exception {
      return vault.list().containsKey(key);
    }

    @Override
    public void rotated(String key, Credential refreshed) {
      storeUnaudited(key, refreshed).join();
    }
  }

  /**
   * Changes the secret of a key slot ({@code passphrase}, or {@code login} for PAM's chauthtok):
   * {@code old} must open it. Takes ownership of both secrets; re-encrypts no credential.
   */
  public CompletableFuture<Void> passwd(Caller caller, String slot, Secret old, Secret replacement) {
    ShareForbiddenException forbidden = unshared(caller, Op.PASSWD);
    if (forbidden != null || replacement.isEmpty()) {
      old.destroy();
      replacement.destroy();
      return forbidden != null ? forbidden(caller, Op.PASSWD, null, forbidden)
          : trail.refused(caller, "passwd", null, new InvalidRequestException("the new passphrase must not be empty"));
    }
    return trail.audited(caller, "passwd", null, async(unlocks, () -> {
      try (old; replacement) {
        deriving(() -> {
          vault.rewrap(slot, old, replacement);
          return Vault.Unlocked.ALREADY;
        });
        LOG.info("the " + slot + " key slot was rewrapped (" + caller + ")");
        return null;
      } catch (IllegalArgumentException badKind) {
        throw new InvalidRequestException(badKind.getMessage());
      } catch (WrongPassphraseException e) {
        Duration delay = throttle.failed();
        Thread.sleep(delay); // as a wrong unlock: guesses cost the same through either door
        throw e;
      }
    }));
  }

  /** The ways into the vault: its key slots, and the vault header's passphrase while no passphrase slot exists. */
  public CompletableFuture<List<Vault.SlotInfo>> keySlots(Caller caller) {
    ShareForbiddenException forbidden = unshared(caller, Op.KEYSLOT_LIST);
    if (forbidden != null) {
      return forbidden(caller, Op.KEYSLOT_LIST, null, forbidden);
    }
    return async(unlocks, vault::keySlots);
  }

  /**
   * Adds a key slot to the unlocked vault: {@code login} opened by {@code secret} (the login
   * password, for PAM), or {@code recovery}, whose random key this makes and returns once (the
   * caller wipes it; {@code secret} is then null).
   */
  public CompletableFuture<Secret> addKeySlot(Caller caller, String kind, Secret secret) {
    ShareForbiddenException forbidden = unshared(caller, Op.KEYSLOT_ADD);
    if (forbidden != null) {
      if (secret != null) {
        secret.destroy();
      }
      return forbidden(caller, Op.KEYSLOT_ADD, null, forbidden);
    }
    usable();
    return trail.audited(caller, "keyslot_add", null, async(unlocks, () -> {
      Secret opens = "recovery".equals(kind) ? RecoveryKey.fresh() : secret;
      try {
        if (opens == null || opens.isEmpty()) {
          throw new InvalidRequestException("a " + kind + " key slot needs its secret");
        }
        deriving(() -> {
          vault.addKeySlot(kind, opens);
          return Vault.Unlocked.ALREADY;
        });
        LOG.info("a " + kind + " key slot was added (" + caller + ")");
        return "recovery".equals(kind) ? opens.copy() : null;
      } catch (IllegalArgumentException badKind) {
        throw new InvalidRequestException(badKind.getMessage());
      } finally {
        if (opens != null) {
          opens.destroy();
        }
        if (secret != null) {
          secret.destroy();
        }
      }
    }));
  }

  public CompletableFuture<Void> removeKeySlot(Caller caller, int index) {
    ShareForbiddenException forbidden = unshared(caller, Op.KEYSLOT_REMOVE);
    if (forbidden != null) {
      return forbidden(caller, Op.KEYSLOT_REMOVE, null, forbidden);
    }
    return trail.audited(caller, "keyslot_remove", null, async(unlocks, () -> {
      try {
        vault.removeKeySlot(index);
      } catch (IllegalArgumentException refused) {
        throw new InvalidRequestException(refused.getMessage());
      }
      LOG.info("key slot " + index + " was removed (" + caller + ")");
      return null;
    }));
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
      size = resolver.live().size(); // not the erased ones kept for restore
    } catch (VaultLockedException locked) {
      size = null; // a locked vault does not know how many it holds
    }
    return new VaultStatus(size != null, vault.exists(), size);
  }

  /** Wipes everything on the way out (SIGTERM, a {@code stop}). */
  public void close() {
    lock(Caller.self());
    trail.close();
  }

  @FunctionalInterface
  private interface Work<T> {
    T run() throws Exception;
  }

  private static <T> CompletableFuture<T> async(Executor executor, Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          result.complete(work.run());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          result.completeExceptionally(e);
        } catch (Throwable e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RuntimeException rejected) { // shutting down
      result.completeExceptionally(rejected);
    }
    return result;
  }

  /**
   * Runs a key derivation. libargon2 hands its 128 MiB back by itself; where Bouncy Castle's
   * Java one runs instead, a full collection lets the heap shrink back, so that the daemon idles
   * small however often it is unlocked.
   */
  private static Vault.Unlocked deriving(Work<Vault.Unlocked> derivation) throws Exception {
    try {
      return derivation.run();
    } finally {
      if (Argon2id.get().usesJavaHeap()) {
        System.gc();
      }
    }
  }

  /** The cause a front door answers for: a future's failure without CompletionException around it. */
  public static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }
}
