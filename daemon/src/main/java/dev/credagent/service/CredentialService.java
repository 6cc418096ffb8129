package dev.credagent.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.credagent.audit.AuditLog;
import dev.credagent.audit.CallerProcess;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.Challenge;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.NoTokenNeededException;
import dev.credagent.registry.auth.Grant;
import dev.credagent.registry.auth.TokenAnswer;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.PatternIndex;
import dev.credagent.registry.ServerNames;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.source.SourceDefinition;
import dev.credagent.source.SourceRunner;
import dev.credagent.source.Sources;
import dev.credagent.vault.Argon2id;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import dev.credagent.vault.VaultLockedException;
import dev.credagent.vault.WrongPassphraseException;
import dev.credagent.vault.Secret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
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
  private final AuditLog audit;
  /**
   * Who is behind each connection, read from /proc once per connection rather than per request:
   * the read costs ~90 us, which capped gets at ~5,500/s. Keyed by the connection's own Caller
   * object (weak keys compare by identity), so a pid that a later process reuses is read anew.
   */
  private final Cache<Caller, CallerProcess> callers = Caffeine.newBuilder().weakKeys().maximumSize(1024).build();
  private final WriteBatcher batcher;

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
    this.audit = audit;
    this.autoLock = new AutoLock(clock);
    this.batcher = new WriteBatcher(vault, writes);
    this.clock = clock;
    this.writes = writes;
    this.unlocks = unlocks;
    this.network = network;
    this.registries = registries;
    this.tokens = registries == null ? null : new TokenCache(this::fetchToken, network, Ticker.systemTicker(), clock);
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

  /** Runs {@code listener} whenever the vault locks (a lock, a stop): caches empty themselves. */
  public void onLock(Runnable listener) {
    lockListeners.add(listener);
  }

  /**
   * Opens (or creates) the vault. Takes ownership of {@code passphrase}. A lock that comes after
   * this call wins over it, however long the unlock waits for its turn.
   */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase, Ttl ttl) {
    long locksSeen = vault.lockCount();
    return audited(caller, "unlock", null, async(unlocks, () -> {
      try (passphrase) {
        // First: a file that cannot be used refuses the unlock, before any key is derived or installed.
        AgentConfig settings = config.current();
        Vault.Unlocked outcome = deriving(() -> vault.unlock(passphrase, locksSeen));
        throttle.succeeded();
        refusedWhileLocked.clear();
        reindex(null); // here, not on the event loop at the first lookup
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
    InvalidRequestException invalid = RequestLimits.checkServer(key);
    if (invalid == null) {
      invalid = RequestLimits.checkCredential(username, password.length());
    }
    if (invalid != null) {
      password.destroy();
      return refused(caller, "login", key, invalid);
    }
    return audited(caller, "login", key, loginUnaudited(caller, registry, key, username, password));
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
      } catch (java.net.http.HttpTimeoutException e) {
        throw new LoginFailedException(registry.key() + " did not answer within the timeout (" + registry.base() + ")");
      } catch (javax.net.ssl.SSLException e) {
        throw new LoginFailedException("the TLS connection to " + registry.key() + " failed (" + e.getMessage()
            + "); if it uses a private CA, put it in ~/.docker/certs.d/" + registry.base().getRawAuthority() + "/ca.crt");
      } catch (IOException e) {
        throw unreachable(registry, e);
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
      return refused(caller, "token", lookup, invalid);
    }
    AuditLog.Served asked = new AuditLog.Served(null, scopes);
    if (caller.share() != null) {
      if (!caller.share().allows(lookup)) {
        return audited(caller, "token", lookup, asked, CompletableFuture.failedFuture(new CredentialNotFoundException(lookup)));
      }
      String host = hostOf(registry.key());
      if (scopes.isEmpty() ? !caller.share().allows(host)
          : !scopes.stream().allMatch(scope -> caller.share().allowsScope(host, scope))) {
        return audited(caller, "token", lookup, asked,
            CompletableFuture.failedFuture(new ShareForbiddenException("a token for scopes outside it")));
      }
    }
    if (!usable()) {
      return audited(caller, "token", registry.key(), asked, CompletableFuture.failedFuture(new VaultLockedException()));
    }
    if (tokens == null) {
      return CompletableFuture.failedFuture(new LoginFailedException("this daemon makes no logins"));
    }
    AuditLog.Served served = new AuditLog.Served(resolvedKey(lookup), scopes);
    return audited(caller, "token", lookup, served, tokens.get(new TokenCache.Key(registry, lookup, new TreeSet<>(scopes)))
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(cause(failure))));
  }

  /** The key that would serve {@code server} now, for the audit line; null when none would. */
  private String resolvedKey(String server) {
    try {
      return resolve(server).key();
    } catch (VaultLockedException | CredentialNotFoundException none) {
      return null;
    }
  }

  /**
   * The registry did not answer, said as which of the usual failures it was (the JDK's own words
   * were often just "ConnectException"): a name not resolved, a connection refused, a timeout, a
   * TLS failure; else what the JDK said.
   */
  static LoginFailedException unreachable(RegistryAddress registry, IOException e) {
    String host = registry.base().getHost();
    java.util.List<Throwable> chain = new ArrayList<>();
    for (Throwable cause = e; cause != null && chain.size() < 16; cause = cause.getCause()) {
      chain.add(cause);
    }
    // The most telling first: a refused connection often wraps why it was (a name not resolved).
    String why = null;
    if (chain.stream().anyMatch(c -> c instanceof java.net.UnknownHostException || c instanceof java.nio.channels.UnresolvedAddressException)) {
      why = "the name " + host + " could not be resolved (check the spelling, or DNS)";
    } else if (chain.stream().anyMatch(c -> c instanceof javax.net.ssl.SSLException)) {
      why = "the TLS handshake failed (" + chain.stream().filter(c -> c instanceof javax.net.ssl.SSLException)
          .findFirst().orElseThrow().getMessage() + ")";
    } else if (chain.stream().anyMatch(c -> c instanceof java.net.http.HttpConnectTimeoutException)) {
      why = "the connection timed out (a firewall, or the wrong port?)";
    } else if (chain.stream().anyMatch(c -> c instanceof java.net.http.HttpTimeoutException)) {
      why = "it did not answer in time";
    } else if (chain.stream().anyMatch(c -> c instanceof java.net.NoRouteToHostException)) {
      why = "there is no route to it";
    } else if (chain.stream().anyMatch(c -> c instanceof java.net.ConnectException)) {
      why = "the connection was refused (nothing listens on that port?)";
    }
    if (why == null) {
      why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    return new LoginFailedException("cannot reach " + registry.key() + " at " + registry.base() + ": " + why);
  }

  private TokenAnswer fetchToken(TokenCache.Key key) throws Exception {
    RegistryAddress registry = key.registry();
    Credential stored;
    try {
      stored = getUnaudited(key.lookup()).join(); // exact, its source, or a pattern's, as a get
    } catch (CompletionException e) {
      throw cause(e) instanceof Exception failure ? failure : e;
    }
    try {
      Challenge challenge;
      try {
        challenge = registries.challenge(registry);
      } catch (IOException e) {
        throw unreachable(registry, e);
      }
      if (challenge == null || !challenge.scheme().equals("bearer")) {
        throw new NoTokenNeededException(registry.key() + " uses " + (challenge == null ? "no" : "Basic")
            + " authentication: it needs no token; send the username and password instead");
      }
      Grant grant = RegistryLogin.IDENTITY_TOKEN_USERNAME.equals(stored.username())
          ? new Grant.Refresh(stored.secret())
          : new Grant.Password(stored.username(), stored.secret());
      TokenAnswer answer = registries.tokens().request(registries.client(registry), registry.key(),
          RegistryLogin.realm(registry, challenge),
          RegistryLogin.service(challenge), List.copyOf(key.scopes()), grant, false);
      if (answer.refresh() != null && grant instanceof Grant.Refresh && !answer.refresh().contentEquals(stored.secret())
          && vault.list().containsKey(registry.key())) { // a pattern's login is not the registry's to rotate
        // The server rotated the refresh token: keep the newest, as the spec asks.
        storeUnaudited(registry.key(), new Credential(RegistryLogin.IDENTITY_TOKEN_USERNAME, answer.refresh().copy()))
            .join();
      }
      return answer;
    } finally {
      stored.secret().destroy();
    }
  }

  /** Wipes the key and every secret at once, ahead of anything queued. */
  public void lock(Caller caller) {
    lockNow("vault locked (" + caller + ")");
    if (!caller.equals(Caller.self())) {
      audit(caller, "lock", null, "ok");
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
      audit(Caller.self(), "lock", null, "auto-lock: " + due.reason());
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
      return refused(caller, "get", server, invalid);
    }
    usable();
    Resolved resolved;
    try {
      resolved = resolve(server);
    } catch (VaultLockedException | CredentialNotFoundException failure) {
      return audited(caller, "get", server, AuditLog.Served.NOTHING, CompletableFuture.failedFuture(
          caller.share() != null && failure instanceof CredentialNotFoundException ? new CredentialNotFoundException(server)
              : failure));
    }
    AuditLog.Served served = new AuditLog.Served(resolved.key(), List.of());
    if (caller.share() != null && (!caller.share().allows(server) || !caller.share().covers(resolved.key()))) {
      return audited(caller, "get", server, served, CompletableFuture.failedFuture(new CredentialNotFoundException(server)));
    }
    return audited(caller, "get", server, served, fetch(resolved));
  }

  /** The credential of {@code server} as {@link #resolve} finds it, for a token's grant: no share applies. */
  private CompletableFuture<Credential> getUnaudited(String server) {
    usable();
    try {
      return fetch(resolve(server));
    } catch (VaultLockedException | CredentialNotFoundException failure) {
      return CompletableFuture.failedFuture(failure);
    }
  }

  /** Which vault key serves a request: a stored credential's, or a source's. */
  private record Resolved(String key, boolean source) {}

  /**
   * The key whose credential serves {@code server} ({@code HOST[:PORT]}, or with a path for a
   * repository): exactly that key, else its source, else the most specific pattern's credential or
   * source ({@link RegistryPattern}), a stored credential before a source at a tie. With a path,
   * only path patterns are tried there, and then the host is resolved the same way: a host's own
   * key serves all its repositories, before any wildcard does. Resolved once, so that a share's
   * gate and the lookup see the same key.
   */
  private Resolved resolve(String server) throws VaultLockedException, CredentialNotFoundException {
    if (vault.list().containsKey(server)) {
      return new Resolved(server, false);
    }
    if (vault.source(server) != null) {
      return new Resolved(server, true);
    }
    Resolved another = anotherName(server);
    if (another != null) {
      return another;
    }
    String host = hostOf(server);
    Optional<PatternIndex.Entry> pattern = mostSpecificPattern(server, !host.equals(server));
    if (pattern.isPresent()) {
      return new Resolved(pattern.get().key(), pattern.get().source());
    }
    if (host.equals(server)) {
      throw new CredentialNotFoundException(server);
    }
    try {
      return resolve(host);
    } catch (CredentialNotFoundException notForHost) {
      throw new CredentialNotFoundException(server);
    }
  }

  /**
   * The credential stored under another name of {@code server}'s registry ({@link ServerNames}):
   * Docker Hub's key for any of Hub's names, docker's key for a URL ({@code https://reg/} is
   * {@code reg}), or a key written as a URL for the registry {@code server} names; null where none is.
   */
  private Resolved anotherName(String server) throws VaultLockedException {
    String registry = ServerNames.isHub(server) ? ServerNames.HUB_KEY : ServerNames.dockerHostname(server);
    if (registry != null && !registry.equals(server)) {
      if (vault.list().containsKey(registry)) {
        return new Resolved(registry, false);
      }
      if (vault.source(registry) != null) {
        return new Resolved(registry, true);
      }
    }
    for (String alias : currentPatterns().aliasesOf(registry != null ? registry : server)) {
      if (!alias.equals(server) && vault.list().containsKey(alias)) {
        return new Resolved(alias, false);
      }
    }
    return null;
  }

  /** The credential under a resolved key: a copy from memory, or its source's. */
  private CompletableFuture<Credential> fetch(Resolved resolved) {
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
   * Counts the changes that can change the pattern index: a store, erase or source change of a key
   * written as a pattern, and every unlock. The index is rebuilt when it was built at another count,
   * so a store of a plain server (most of them) costs the index nothing.
   */
  private final java.util.concurrent.atomic.AtomicLong patternChanges = new java.util.concurrent.atomic.AtomicLong();
  private volatile IndexedVersion patterns = new IndexedVersion(-1, PatternIndex.EMPTY);

  private record IndexedVersion(long changes, PatternIndex index) {}

  /** The most specific pattern key that serves {@code server}, from the index of the vault as it is now. */
  private Optional<PatternIndex.Entry> mostSpecificPattern(String server, boolean pathsOnly) throws VaultLockedException {
    return currentPatterns().mostSpecific(server, pathsOnly);
  }

  private PatternIndex currentPatterns() throws VaultLockedException {
    long changes = patternChanges.get();
    IndexedVersion indexed = patterns;
    if (indexed.changes() != changes) {
      indexed = new IndexedVersion(changes, PatternIndex.of(live().keySet(), vault.sources().keySet()));
      patterns = indexed;
    }
    return indexed.index();
  }

  /**
   * After a change to {@code key} (null: any, as an unlock): where it may change the index (a
   * pattern, or another name of a registry: Docker Hub's, a URL), the
   * index is rebuilt here, on the writing thread, before the change is acknowledged, so that the
   * lookups on the event loop find it ready.
   */
  private void reindex(String key) {
    if (key != null && !RegistryPattern.looksLikeOne(key) && !ServerNames.isHub(key) && ServerNames.dockerHostname(key) == null) {
      return; // a plain server's key: in no index
    }
    patternChanges.incrementAndGet();
    try {
      currentPatterns();
    } catch (VaultLockedException lockedMeanwhile) {
      // the next unlock's first lookup builds it
    }
  }

  /** {@code HOST[:PORT]} of a server that may have a path; a URL (Docker Hub's key) is its own host. */
  private static String hostOf(String server) {
    int slash = server.indexOf('/');
    return slash <= 0 || server.contains("://") ? server : server.substring(0, slash);
  }


  /**
   * Adds (or replaces) the source for {@code registry}, durably; completes with a warning for the
   * caller (its program is not there to run yet), or null.
   */
  public CompletableFuture<String> addSource(Caller caller, String registry, SourceDefinition definition) {
    InvalidRequestException invalid = RequestLimits.checkServer(registry);
    if (invalid != null) {
      return refused(caller, "source_add", registry, invalid);
    }
    usable();
    return audited(caller, "source_add", registry, async(writes, () -> {
      vault.putSource(registry, Sources.encode(definition));
      sources.forget(registry);
      reindex(registry);
      LOG.info("source for " + registry + " added (" + caller + ")");
      return definition.missingProgram(System.getenv("PATH"));
    }));
  }

  /** Registry to a description of its source (never an environment value). */
  public SortedMap<String, String> listSources(Caller caller) throws VaultLockedException {
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
    InvalidRequestException invalid = RequestLimits.checkServer(registry);
    if (invalid != null) {
      return refused(caller, "source_remove", registry, invalid);
    }
    usable();
    return audited(caller, "source_remove", registry, async(writes, () -> {
      vault.removeSource(registry);
      sources.forget(registry);
      reindex(registry);
      return null;
    }));
  }

  /** Server to username, in server order. */
  public Map<String, String> list(Caller caller) throws VaultLockedException {
    usable();
    try {
      Map<String, String> listed = caller.share() == null ? live() : within(caller.share(), live());
      audit(caller, "list", null, "ok");
      return listed;
    } catch (VaultLockedException e) {
      audit(caller, "list", null, outcome(e));
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
      return refused(caller, "store", server, invalid);
    }
    if (caller.share() != null) {
      credential.secret().destroy();
      return audited(caller, "store", server, CompletableFuture.failedFuture(new ShareForbiddenException("a store")));
    }
    usable();
    if (ServerNames.isHub(server)) {
      // One Docker Hub login under all its names: stored under docker's key, the other names' keys gone.
      List<String> others;
      try {
        others = currentPatterns().aliasesOf(ServerNames.HUB_KEY).stream().filter(alias -> !alias.equals(ServerNames.HUB_KEY)).toList();
      } catch (VaultLockedException locked) {
        credential.secret().destroy();
        return audited(caller, "store", server, CompletableFuture.failedFuture(locked));
      }
      CompletableFuture<Void> stored = storeUnaudited(ServerNames.HUB_KEY, credential);
      for (String alias : others) {
        stored = stored.thenCompose(done -> batcher.submit(new Vault.Remove(alias))
            .exceptionally(goneMeanwhile -> null).whenComplete((gone, failure) -> reindex(alias)));
      }
      return audited(caller, "store", server, stored);
    }
    return audited(caller, "store", server, storeUnaudited(server, credential));
  }

  private CompletableFuture<Void> storeUnaudited(String server, Credential credential) {
    return batcher.submit(new Vault.Put(server, credential)).whenComplete((done, failure) -> reindex(server));
  }

  /** The credentials a client may be served or shown: every key but the erased ones ({@link ErasedKey}, which sort first). */
  private Map<String, String> live() throws VaultLockedException {
    return vault.list(LIVE_FROM, null);
  }

  /** The first key that is not an erased credential's: client keys never begin with a control character. */
  private static final String LIVE_FROM = "\u0002";

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
    InvalidRequestException invalid = RequestLimits.checkServer(server);
    if (invalid != null) {
      return refused(caller, "erase", server, invalid);
    }
    if (caller.share() != null) {
      return audited(caller, "erase", server, CompletableFuture.failedFuture(new ShareForbiddenException("an erase")));
    }
    usable();
    CallerProcess who = callers.get(caller, CallerProcess::of);
    return audited(caller, purge ? "purge" : "erase", server, async(writes, () -> {
      List<String> keys = erasable(server);
      if (keys.isEmpty()) {
        throw new CredentialNotFoundException(server);
      }
      Duration keep = purge ? Duration.ZERO : config.current().erasedTtl();
      java.time.Instant now = clock.instant();
      List<Vault.Change> changes = new ArrayList<>();
      for (String key : keys) {
        if (!keep.isZero()) {
          changes.add(new Vault.Put(new ErasedKey(key, now, who.program()).key(), vault.get(key)));
        }
        changes.add(new Vault.Remove(key));
      }
      changes.addAll(expired(now, keep.isZero() ? config.current().erasedTtl() : keep));
      vault.apply(changes);
      keys.forEach(this::reindex);
      LOG.info((keep.isZero() ? "purged " : "erased ") + String.join(", ", keys) + " (" + caller + ")");
      return null;
    }));
  }

  /**
   * The keys an erase of {@code server} takes: every key of Docker Hub's for one of its names;
   * else the exact key, or the one stored under another name of its registry. Never a pattern or a
   * source: a literal name that only a pattern serves erases nothing.
   */
  private List<String> erasable(String server) throws VaultLockedException {
    Map<String, String> live = live();
    if (ServerNames.isHub(server)) {
      List<String> keys = new ArrayList<>();
      if (live.containsKey(ServerNames.HUB_KEY)) {
        keys.add(ServerNames.HUB_KEY);
      }
      currentPatterns().aliasesOf(ServerNames.HUB_KEY).stream().filter(live::containsKey).forEach(keys::add);
      return keys;
    }
    if (live.containsKey(server)) {
      return List.of(server);
    }
    Resolved another = anotherName(server);
    return another == null || another.source() ? List.of() : List.of(another.key());
  }

  /** Removals of the erased credentials kept longer than {@code keep}. */
  private List<Vault.Change> expired(java.time.Instant now, Duration keep) throws VaultLockedException {
    List<Vault.Change> gone = new ArrayList<>();
    for (String key : vault.list(ErasedKey.FIRST, LIVE_FROM).keySet()) {
      ErasedKey.parse(key).filter(erased -> !erased.at().plus(keep).isAfter(now))
          .ifPresent(erased -> gone.add(new Vault.Remove(key)));
    }
    return gone;
  }

  /** An erased credential, as {@code list --erased} shows it. */
  public record ErasedCredential(String server, String username, java.time.Instant at, String by) {}

  /** The erased credentials kept now, newest first. */
  public List<ErasedCredential> erased(Caller caller) throws VaultLockedException {
    usable();
    if (caller.share() != null) {
      return List.of();
    }
    List<ErasedCredential> kept = new ArrayList<>();
    vault.list(ErasedKey.FIRST, LIVE_FROM).forEach((key, username) -> ErasedKey.parse(key)
        .ifPresent(erased -> kept.add(new ErasedCredential(erased.server(), username, erased.at(), erased.by()))));
    kept.sort(Comparator.comparing(ErasedCredential::at).reversed());
    return kept;
  }

  /** Brings back the credential last erased for {@code server} (any of its registry's names), as it was. */
  public CompletableFuture<Void> restore(Caller caller, String server) {
    InvalidRequestException invalid = RequestLimits.checkServer(server);
    if (invalid != null) {
      return refused(caller, "restore", server, invalid);
    }
    if (caller.share() != null) {
      return audited(caller, "restore", server, CompletableFuture.failedFuture(new ShareForbiddenException("a restore")));
    }
    usable();
    String wanted = ServerNames.isHub(server) ? ServerNames.HUB_KEY : server;
    return audited(caller, "restore", server, async(writes, () -> {
      ErasedKey newest = null;
      for (String key : vault.list(ErasedKey.FIRST, LIVE_FROM).keySet()) {
        ErasedKey erased = ErasedKey.parse(key).orElse(null);
        if (erased != null && (erased.server().equals(wanted) || ServerNames.isHub(erased.server()) && wanted.equals(ServerNames.HUB_KEY))
            && (newest == null || erased.at().isAfter(newest.at()))) {
          newest = erased;
        }
      }
      if (newest == null) {
        throw new CredentialNotFoundException(server + " among the erased credentials (credagent list --erased shows them)");
      }
      String key = ServerNames.isHub(newest.server()) ? ServerNames.HUB_KEY : newest.server();
      vault.apply(List.of(new Vault.Put(key, vault.get(newest.key())), new Vault.Remove(newest.key())));
      reindex(key);
      LOG.info("restored " + key + " (" + caller + ")");
      return null;
    }));
  }

  /** Deletes every erased credential at once ({@code credagent erase --purge --all}); how many there were. */
  public CompletableFuture<Integer> purgeErased(Caller caller) {
    if (caller.share() != null) {
      return audited(caller, "purge", null, CompletableFuture.failedFuture(new ShareForbiddenException("a purge")));
    }
    usable();
    return audited(caller, "purge", null, async(writes, () -> {
      List<Vault.Change> all = new ArrayList<>();
      vault.list(ErasedKey.FIRST, LIVE_FROM).keySet().forEach(key -> all.add(new Vault.Remove(key)));
      if (!all.isEmpty()) {
        vault.apply(all);
      }
      return all.size();
    }));
  }

  /** Time left before the vault locks by itself, per TTL (null: off, or locked already). */
  public AutoLockRemaining autoLockRemaining() {
    expireIfDue();
    AutoLock.Remaining left = autoLock.remaining();
    return new AutoLockRemaining(left.idle(), left.max());
  }

  public record AutoLockRemaining(Duration idle, Duration max) {}

  /**
   * Records how {@code outcome} ends in the audit log. Who asked is read now, while the caller
   * waits for its answer (a helper exits right after).
   */
  private <T> CompletableFuture<T> audited(Caller caller, String op, String server, CompletableFuture<T> outcome) {
    return audited(caller, op, server, AuditLog.Served.NOTHING, outcome);
  }

  /** A request refused for what it carries, audited with the server named by its length only. */
  private <T> CompletableFuture<T> refused(Caller caller, String op, String server, InvalidRequestException why) {
    return audited(caller, op, RequestLimits.described(server), CompletableFuture.failedFuture(why));
  }

  /** The same, naming the key that served the request and the scopes it asked. */
  private <T> CompletableFuture<T> audited(Caller caller, String op, String server, AuditLog.Served served,
      CompletableFuture<T> outcome) {
    outcome.whenComplete((done, failure) -> {
      if (failure != null && cause(failure) instanceof VaultLockedException && !caller.equals(Caller.self())) {
        refusedWhileLocked.refused(callers.get(caller, CallerProcess::of).program(), clock.instant());
      }
    });
    if (!audit.enabled()) {
      return outcome;
    }
    CallerProcess who = callers.get(caller, CallerProcess::of);
    return outcome.whenComplete((done, failure) ->
        audit.record(op, server, who, shareOf(caller), served, failure == null ? "ok" : outcome(cause(failure))));
  }

  /**
   * The requests refused since the vault was last locked, for {@code status}: docker hides the
   * helper's "locked" ("no basic auth credentials"), so a user whose pull failed sees why there.
   */
  private final LockedRefusals refusedWhileLocked = new LockedRefusals();

  /** The requests refused since the vault was last locked: how many, and the last (null: none). */
  public LockedRefusals.Seen refusedWhileLocked() {
    return refusedWhileLocked.seen();
  }

  private static String shareOf(Caller caller) {
    return caller.share() == null ? null : caller.share().name();
  }

  private void audit(Caller caller, String op, String server, String outcome) {
    if (audit.enabled()) {
      audit.record(op, server, callers.get(caller, CallerProcess::of), shareOf(caller), outcome);
    }
  }

  /** A failure as the audit log says it: what went wrong, never a message that might quote input. */
  private static String outcome(Throwable failure) {
    return switch (failure) {
      case VaultLockedException e -> "locked";
      case CredentialNotFoundException e -> "not_found";
      case WrongPassphraseException e -> "wrong_passphrase";
      case LoginFailedException e -> "login_failed";
      case NoTokenNeededException e -> "no_token";
      case dev.credagent.source.SourceFailedException e -> "source_failed";
      case ShareForbiddenException e -> "forbidden";
      case InvalidRequestException e -> "invalid_request";
      case dev.credagent.config.ConfigException e -> "config_error";
      default -> "error";
    };
  }

  /** What {@code status} reports of the vault. */
  public record VaultStatus(boolean unlocked, boolean exists, Integer credentials) {}

  public VaultStatus status() {
    Integer size;
    try {
      size = live().size(); // not the erased ones kept for restore
    } catch (VaultLockedException locked) {
      size = null; // a locked vault does not know how many it holds
    }
    return new VaultStatus(size != null, vault.exists(), size);
  }

  /** Wipes everything on the way out (SIGTERM, a {@code stop}). */
  public void close() {
    lock(Caller.self());
    audit.close();
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
