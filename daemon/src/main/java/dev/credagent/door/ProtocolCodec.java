package dev.credagent.door;

import dev.credagent.caller.Caller;
import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;
import dev.credagent.files.IoFailure;
import dev.credagent.protocol.Fields;
import dev.credagent.protocol.Op;
import dev.credagent.protocol.ProtocolException;
import dev.credagent.protocol.Request;
import dev.credagent.protocol.RequestParser;
import dev.credagent.protocol.Response;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.ServerNames;
import dev.credagent.service.Async;
import dev.credagent.service.UnknownProfileException;
import dev.credagent.service.CredentialService;
import dev.credagent.service.LockedRefusals;
import dev.credagent.service.ShareForbiddenException;
import dev.credagent.share.Shares;
import dev.credagent.transport.RequestHandler;
import dev.credagent.vault.CorruptVaultException;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import dev.credagent.version.AgentVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Protocol version 1 as a codec over the {@link CredentialService}: a request line in (its fields
 * read by {@link Fields}), a call, a response out. Which ops exist, and which of their fields are secret, is {@link Op}'s table;
 * the threads, the secrets and the rules are the service's.
 */
public final class ProtocolCodec implements RequestHandler {
  private static final Logger LOG = Logger.getLogger(ProtocolCodec.class.getName());

  @FunctionalInterface
  private interface Now {
    Response run(Request request) throws ProtocolException, VaultException, UnknownProfileException;
  }

  private final CredentialService service;
  private final DaemonInfo info;
  private final Runnable stop;
  private final Shares shares;

  public ProtocolCodec(CredentialService service, DaemonInfo info, Runnable stop) {
    this(service, info, stop, null);
  }

  /** {@code shares}: the daemon's shares, which the share ops open and stop; null where there are none. */
  public ProtocolCodec(CredentialService service, DaemonInfo info, Runnable stop, Shares shares) {
    this.service = service;
    this.info = info;
    this.stop = stop;
    this.shares = shares;
  }

  @Override
  public CompletableFuture<Response> handle(Caller caller, byte[] line) {
    return read(line).handle(caller);
  }

  /**
   * Parses {@code line} once, when it arrives (and wipes it): its op says whether it overlaps
   * writes; a line that is no request is answered with what is wrong with it, in its turn.
   */
  @Override
  public Queued read(byte[] line) {
    Request request;
    try {
      request = RequestParser.parse(line);
    } catch (ProtocolException e) {
      return Queued.answered(Response.error(e));
    } finally {
      Arrays.fill(line, (byte) 0);
    }
    Op op = Op.named(request.op()).orElse(null);
    if (op == null) {
      request.close(); // the secrets it carried: no op will take them
      return Queued.answered(Response.error(ErrorCode.UNKNOWN_OP,
          "unknown op '" + request.op() + "'; protocol version " + Request.VERSION + " has: " + Op.known()));
    }
    return new Queued(op.groupCommitted(), caller -> dispatch(caller, request, op));
  }

  private CompletableFuture<Response> dispatch(Caller peer, Request request, Op op) {
    // A share's profile is its own, whatever its clients send. A request's own fields win over what
    // its connection said (the native credagent's header, for the commands it relays).
    Caller caller = op.profiled() && peer.share() == null
        ? peer.at(request.optional("cwd", peer.cwd()), request.optional("profile", peer.profile())) : peer;
    try {
      service.admit(caller, op, null); // the gate's share column, before a field is read
    } catch (ShareForbiddenException refused) {
      request.close();
      return CompletableFuture.completedFuture(error(op, refused));
    }
    CompletableFuture<Response> answer;
    try {
      answer = switch (op) {
        case PING -> now(request, r -> Response.ok().with("version", AgentVersion.VALUE));
        case STATUS -> now(request, r -> status());
        case GET -> get(caller, request);
        case LIST -> list(caller, request);
        case LOCK -> now(request, r -> {
          service.lock(caller);
          return Response.ok();
        });
        case STOP -> now(request, r -> Response.ok().afterSent(stop));
        case UNLOCK -> unlock(caller, request);
        case STORE -> store(caller, request).thenApply(done -> Response.ok());
        case ERASE -> erase(caller, request);
        case RESTORE -> service.erasure().restore(caller, request.require("server")).thenApply(done -> done.replaced() == null
            ? Response.ok() : Response.ok().with("replaced", done.replaced()));
        case LOGIN -> login(caller, request);
        case TOKEN -> token(caller, request);
        case SOURCE_ADD -> service.sources().add(caller, Fields.key(request, request.require("registry")), Fields.source(request))
            .thenApply(warning -> warning == null ? Response.ok() : Response.ok().with("warning", warning));
        case SOURCE_LIST -> now(request, r -> Response.ok().with("sources", service.sources().list(caller))
            .with("failing", service.sources().failing()));
        case SOURCE_REMOVE -> service.sources().remove(caller, request.require("registry")).thenApply(done -> Response.ok());
        case SHARE -> now(request, r -> share(caller, r));
        case PASSWD -> {
          request.requireSecret("new_passphrase"); // both there before either is taken: none is left unwiped
          boolean rekey = Fields.flag(request, "reseal"); // passwd --rekey; a field named "key" would read as a secret
          yield service.keySlots().passwd(caller, request.optional("slot", "passphrase"), rekey,
              request.takeSecret("passphrase"), request.takeSecret("new_passphrase")).thenApply(done -> Response.ok());
        }
        case KEYSLOT_LIST -> service.keySlots().list(caller).thenApply(slots -> Response.ok().with("slots", slots.stream()
            .map(slot -> Map.of("index", String.valueOf(slot.index()), "kind", slot.kind(),
                "where", slot.header() ? "the vault header" : "vault.slots")).toList()));
        case KEYSLOT_ADD -> keySlotAdd(caller, request);
        case KEYSLOT_REMOVE -> {
          int index = Fields.slotIndex(request); // before the secret is taken: a bad index leaves none unwiped
          yield service.keySlots().remove(caller, index, request.takeSecret("passphrase")).thenApply(done -> Response.ok());
        }
        case PROFILE_ADD -> service.profiles().add(caller, Fields.nonEmpty(request, "name"),
            request.optional("dirs", "").lines().filter(line -> !line.isEmpty()).toList())
            .thenApply(dirs -> Response.ok().with("dirs", dirs.stream().map(Path::toString).toList()));
        case PROFILE_LIST -> now(request, r -> Response.ok().with("profiles", service.profiles().list(caller).entrySet()
            .stream().map(profile -> Map.of("name", profile.getKey(), "dirs", String.join("\n",
                profile.getValue().stream().map(Path::toString).toList()))).toList()));
        case PROFILE_REMOVE -> service.profiles().remove(caller, Fields.nonEmpty(request, "name"), Fields.flag(request, "erase"),
            service.erasure()).thenApply(erased -> Response.ok().with("erased", erased));
        case PROFILE_WHICH -> now(request, r -> {
          dev.credagent.service.ProfileTable.Choice choice = service.profiles().choose(caller);
          return Response.ok().with("profile", choice.name()).with("why", choice.why());
        });
        case SHARE_STOP -> now(request, r -> {
          Path socket = Path.of(r.require("socket"));
          if (shares == null || !shares.stop(socket)) {
            throw new ProtocolException(ErrorCode.NOT_FOUND, "no share is open on " + socket);
          }
          return Response.ok();
        });
      };
    } catch (ProtocolException e) {
      answer = CompletableFuture.completedFuture(Response.error(e));
    }
    return answer
        .exceptionally(failure -> error(op, Async.cause(failure)))
        .whenComplete((response, failure) -> request.close());
  }

  /**
   * {@code kind}: login (with {@code secret}) or recovery (answered with {@code recovery_key},
   * once); {@code passphrase}, the vault's, as keyslot_remove needs it.
   */
  private CompletableFuture<Response> keySlotAdd(Caller caller, Request request) throws ProtocolException {
    String kind = request.require("kind");
    request.requireSecret("passphrase"); // there before any secret is taken: none is left unwiped
    Secret secret = request.fields().containsKey("secret") || request.secrets().containsKey("secret")
        ? request.takeSecret("secret") : null;
    return service.keySlots().add(caller, kind, secret, request.takeSecret("passphrase")).thenApply(added -> added.recoveryKey() == null
        ? Response.ok()
        : Response.ok().with("recovery_key", added.recoveryKey())
            .ifUndelivered(() -> service.keySlots().undelivered(caller, added.slot())));
  }

  /** {@code server}, or with {@code "purge": "true"} and {@code "all": "true"} every erased credential. */
  private CompletableFuture<Response> erase(Caller caller, Request request) throws ProtocolException {
    boolean purge = Fields.flag(request, "purge");
    if (Fields.flag(request, "all")) {
      if (!purge) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "'all' goes with 'purge': erase credentials one by one");
      }
      return service.erasure().purgeAll(caller).thenApply(count -> Response.ok().with("purged", count));
    }
    return service.erasure().erase(caller, request.require("server"), purge).thenApply(done -> Response.ok());
  }

  /** The erased credentials kept, as {@code [{"server","username","at","by","profile"}]}, newest first. */
  private List<Map<String, String>> erased(Caller caller) throws VaultException {
    return service.erasure().list(caller).stream().map(e -> Map.of("server", e.server(), "username", e.username(),
        "at", e.at().toString(), "by", e.by(), "profile", e.profile())).toList();
  }

  /**
   * {@code credentials}: the default profile's (what every client before profiles was answered),
   * or with {@code profile} that profile's own; with {@code all_profiles}, also {@code
   * profile_credentials}: every profile's, as {@code [{"profile","server","username"}]}.
   */
  private CompletableFuture<Response> list(Caller caller, Request request) {
    return now(request, r -> {
      if (Fields.flag(r, "erased")) {
        return Response.ok().with("erased", erased(caller));
      }
      String profile = caller.share() != null ? caller.share().profile() // a share's profile is its own, whatever it names
          : service.profileToList(caller, r.optional("profile", ""));
      Response response = caller.share() != null
          ? Response.ok() // a share's profile is its maker's to know: its clients are told its credentials only
          : Response.ok().with("profile", profile);
      if (!Fields.flag(r, "all_profiles") || caller.share() != null) {
        return response.with("credentials", service.list(caller, profile));
      }
      Map<String, Map<String, String>> every = service.listEveryProfile(caller); // one request: one audit line
      List<Map<String, String>> all = new java.util.ArrayList<>();
      every.forEach((each, credentials) -> credentials.forEach((server, username) -> all.add(Map.of("profile", each,
          "server", server, "username", username))));
      return response.with("credentials", every.getOrDefault(profile, Map.of())).with("profile_credentials", all);
    });
  }

  /** {@code socket} (empty: a new one beside the daemon's), {@code registries} (newline-separated patterns), {@code ttl}. */
  private Response share(Caller caller, Request request) throws ProtocolException, VaultException, UnknownProfileException {
    if (shares == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "this daemon opens no shares");
    }
    Path socket = Fields.shareSocket(request);
    List<String> patterns = Fields.sharePatterns(request);
    Duration ttl = Fields.duration(request, "ttl", Shares.DEFAULT_TTL);
    try {
      // Fixed now, by its maker's --profile, CREDAGENT_PROFILE or directory: its clients choose nothing.
      String profile;
      try {
        profile = service.profiles().choose(caller).name();
      } catch (dev.credagent.vault.VaultLockedException locked) {
        if (caller.profile() != null) {
          throw locked; // a named profile is checked against the vault: never a silent default
        }
        profile = null; // locked, so no directory is bound that the daemon can see: the default profile
      }
      Shares.Share share = shares.open(socket, patterns, ttl, profile);
      LOG.info("share " + share.scope().name() + " opened by " + caller);
      return Response.ok().with("socket", share.socket().toString()).with("name", share.scope().name())
          .with("registries", share.scope().describe()).with("expires_at", share.expires().toString())
          .with("profile", share.scope().profile());
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, e.getMessage());
    } catch (IOException e) {
      throw new ProtocolException(ErrorCode.INTERNAL, "cannot open the share: " + IoFailure.describe(e));
    }
  }

  private Response status() {
    CredentialService.AutoLockRemaining left = service.autoLockRemaining(); // first: it may lock
    CredentialService.VaultStatus vault = service.status();
    Response response = Response.ok()
        .with("locked", !vault.unlocked())
        .with("vault", vault.exists() ? "present" : "absent");
    LockedRefusals.Seen refused = service.refusedWhileLocked();
    if (!vault.unlocked() && refused.count() > 0) {
      response.with("refusedWhileLocked", refused.count())
          .with("lastRefused", refused.lastProgram() + " at " + refused.lastAt().truncatedTo(ChronoUnit.SECONDS));
    }
    if (vault.credentials() != null) {
      response.with("credentials", vault.credentials());
      if (left.idle() != null) {
        response.with("idleLockSeconds", left.idle().toSeconds());
      }
      if (left.max() != null) {
        response.with("maxLockSeconds", left.max().toSeconds());
      }
    }
    return response
        .with("socket", info.socket().toString())
        .with("home", info.home().toString())
        .with("pid", info.pid())
        .with("uptimeSeconds", info.uptime(service.clock()).toSeconds())
        .with("shares", shares())
        .with("version", AgentVersion.VALUE)
        .with("commit", AgentVersion.COMMIT);
  }

  private CompletableFuture<Response> get(Caller caller, Request request) throws ProtocolException {
    String server = request.require("server");
    return service.get(PromptPlaces.of(request, caller), RegistryReference.parse(server)).thenApply(credential -> Response.ok()
        .with("server", server)
        .with("username", credential.username())
        .with("secret", credential.secret()));
  }

  private CompletableFuture<Response> unlock(Caller caller, Request request) throws ProtocolException {
    Secret passphrase = request.takeSecret("passphrase");
    if (passphrase.isEmpty()) {
      passphrase.destroy();
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "the passphrase must not be empty");
    }
    CredentialService.Ttl ttl;
    String slot;
    try {
      ttl = new CredentialService.Ttl(Fields.duration(request, "idle_ttl", null), Fields.duration(request, "ttl", null));
      slot = Fields.slot(request);
    } catch (ProtocolException e) {
      passphrase.destroy();
      throw e;
    }
    CompletableFuture<Vault.Unlocked> unlocked = Fields.flag(request, "check")
        ? service.checkPassphrase(caller, passphrase, slot) : service.unlock(caller, passphrase, ttl, slot);
    return unlocked.thenApply(outcome -> Response.ok()
        .with("created", outcome == Vault.Unlocked.CREATED)
        .with("alreadyUnlocked", outcome == Vault.Unlocked.ALREADY));
  }

  private CompletableFuture<Response> login(Caller caller, Request request) throws ProtocolException {
    String username = Fields.nonEmpty(request, "username");
    RegistryAddress registry = Fields.registry(Fields.reference(request), request);
    Secret password = request.takeSecret("password");
    if (password.isEmpty()) {
      password.destroy();
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "the password must not be empty");
    }
    String as = request.optional("as", "");
    String key;
    try {
      key = as.isEmpty() ? registry.key() : Fields.pattern(as);
    } catch (ProtocolException e) {
      password.destroy();
      throw e;
    }
    return service.logins().login(caller, registry, key, username, password)
        .thenApply(stored -> Response.ok().with("server", key).with("username", stored));
  }

  private CompletableFuture<Response> token(Caller caller, Request request) throws ProtocolException {
    RegistryReference reference = Fields.reference(request);
    RegistryAddress registry = Fields.registry(reference, request);
    List<String> scopes = Fields.scopes(request);
    return service.tokens().get(PromptPlaces.of(request, caller), registry, tokenLookup(reference, registry.key()), scopes)
        .thenApply(token -> Response.ok()
        .with("server", registry.key())
        .with("token", token.token())
        .with("expires_at", token.expiresAt().toString()));
  }

  /**
   * The name whose login mints the token: the registry's key with the repository's path
   * ({@code ghcr.io/team/app}), for path patterns. Docker Hub's key is a URL that takes no path
   * ({@code https://index.docker.io/v1//library/alpine} named no login), so a Hub repository is
   * looked up under the host it was asked by ({@code docker.io/library/alpine}): its patterns
   * first, then Hub's login.
   */
  public static RegistryReference tokenLookup(RegistryReference reference, String registryKey) {
    if (ServerNames.isHub(reference)) {
      return RegistryReference.parse(registryKey);
    }
    String base = registryKey.equals(ServerNames.HUB_KEY) ? reference.authority() : registryKey;
    return RegistryReference.parse(base + reference.repositoryPath());
  }

  private CompletableFuture<Void> store(Caller caller, Request request) throws ProtocolException {
    String server = Fields.key(request, Fields.nonEmpty(request, "server"));
    String username = Fields.nonEmpty(request, "username");
    return service.store(caller, server, new Credential(username, request.takeSecret("secret")));
  }

  private static CompletableFuture<Response> now(Request request, Now op) {
    try {
      return CompletableFuture.completedFuture(op.run(request));
    } catch (ProtocolException | VaultException | UnknownProfileException | RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Socket to "registries; until TIME", for status. */
  private Map<String, String> shares() {
    Map<String, String> open = new LinkedHashMap<>();
    if (shares != null) {
      shares.list().forEach(share -> open.put(share.socket().toString(),
          share.scope().describe() + "; until " + share.expires()));
    }
    return open;
  }

  /** Every failure as an answer; an Error too (out of memory in a key derivation, say), logged. */
  private static Response error(Op op, Throwable failure) {
    return switch (failure) {
      case CorruptVaultException e -> {
        LOG.severe(e.getMessage());
        yield Response.error(e.code(), e.getMessage());
      }
      case AgentFailure e -> Response.error(e.code(), e.getMessage());
      case IOException e -> {
        String why = IoFailure.describe(e);
        LOG.warning("op '" + op.wire() + "': the vault could not be written or read: " + why);
        yield Response.error(ErrorCode.INTERNAL, "the vault could not be written or read: " + why);
      }
      case InterruptedException e -> Response.error(ErrorCode.INTERNAL, "the daemon is shutting down");
      default -> {
        LOG.log(Level.SEVERE, "op '" + op.wire() + "' failed", failure);
        yield Response.error(ErrorCode.INTERNAL, "internal error in op '" + op.wire() + "'"
            + (failure instanceof OutOfMemoryError ? " (out of memory)" : "") + "; the daemon log has details");
      }
    };
  }
}
