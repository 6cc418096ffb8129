package dev.credagent.daemon;

import dev.credagent.files.IoFailure;
import dev.credagent.protocol.ErrorCode;
import dev.credagent.protocol.ProtocolException;
import dev.credagent.protocol.Request;
import dev.credagent.protocol.RequestParser;
import dev.credagent.protocol.Response;
import dev.credagent.transport.RequestHandler;
import dev.credagent.vault.Argon2id;
import dev.credagent.vault.CorruptVaultException;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import dev.credagent.vault.VaultLockedException;
import dev.credagent.vault.WrongPassphraseException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ops of protocol version 1. Reads and {@code lock} answer at once on the socket's thread;
 * stores and erases run on the vault's own thread, one at a time; unlock attempts run on a thread
 * of their own, where a wrong passphrase's delay holds back only the next attempt, never a lock,
 * a read or a write.
 */
public final class Operations implements RequestHandler {
  private static final Logger LOG = Logger.getLogger(Operations.class.getName());
  static final String KNOWN_OPS = "ping, status, unlock, lock, stop, store, get, erase, list";

  @FunctionalInterface
  private interface Op {
    Response run(Request request) throws ProtocolException, VaultException, IOException, InterruptedException;
  }

  private final Vault vault;
  private final DaemonInfo info;
  private final Executor vaultThread;
  private final Executor unlockThread;
  private final Runnable stop;
  private final UnlockThrottle throttle = new UnlockThrottle();

  public Operations(Vault vault, DaemonInfo info, Executor vaultThread, Executor unlockThread, Runnable stop) {
    this.vault = vault;
    this.info = info;
    this.vaultThread = vaultThread;
    this.unlockThread = unlockThread;
    this.stop = stop;
  }

  @Override
  public CompletableFuture<Response> handle(byte[] line) {
    Request request;
    try {
      request = RequestParser.parse(line);
    } catch (ProtocolException e) {
      return CompletableFuture.completedFuture(Response.error(e));
    } finally {
      Arrays.fill(line, (byte) 0);
    }
    return switch (request.op()) {
      case "ping" -> now(request, r -> Response.ok().with("version", AgentVersion.VALUE));
      case "status" -> now(request, this::status);
      case "get" -> now(request, this::get);
      case "list" -> now(request, r -> Response.ok().with("credentials", vault.list()));
      case "unlock" -> onUnlockThread(request, vault.lockCount());
      case "lock" -> now(request, this::lock);
      case "store" -> onVaultThread(request, this::store);
      case "erase" -> onVaultThread(request, this::erase);
      case "stop" -> now(request, r -> Response.ok().afterSent(stop));
      default -> now(request, r -> {
        throw new ProtocolException(ErrorCode.UNKNOWN_OP,
            "unknown op '" + r.op() + "'; protocol version 1 has: " + KNOWN_OPS);
      });
    };
  }

  private Response status(Request request) {
    Response response = Response.ok()
        .with("locked", !vault.isUnlocked())
        .with("vault", vault.exists() ? "present" : "absent");
    try {
      response.with("credentials", vault.size());
    } catch (VaultLockedException locked) {
      // A locked vault does not know how many it holds; the field is absent then.
    }
    return response
        .with("socket", info.socket().toString())
        .with("home", info.home().toString())
        .with("pid", info.pid())
        .with("uptimeSeconds", info.uptime().toSeconds())
        .with("version", AgentVersion.VALUE);
  }

  private Response get(Request request) throws ProtocolException, VaultException {
    String server = request.require("server");
    Credential credential = vault.get(server);
    return Response.ok()
        .with("server", server)
        .with("username", credential.username())
        .with("secret", credential.secret());
  }

  /** {@code locksSeen}: taken when the request is read, so that a lock after it wins. */
  private CompletableFuture<Response> onUnlockThread(Request request, long locksSeen) {
    return CompletableFuture.supplyAsync(() -> answer(request, r -> unlock(r, locksSeen)), unlockThread);
  }

  private Response unlock(Request request, long locksSeen)
      throws ProtocolException, VaultException, IOException, InterruptedException {
    Secret passphrase = request.requireSecret("passphrase");
    if (passphrase.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "the passphrase must not be empty");
    }
    try {
      Vault.Unlocked outcome = deriving(() -> vault.unlock(passphrase, locksSeen));
      throttle.succeeded();
      LOG.info(switch (outcome) {
        case CREATED -> "created a new vault at " + vault.file() + " and unlocked it";
        case OPENED -> "vault unlocked";
        case ALREADY -> "unlock asked of an unlocked vault; passphrase matched";
      });
      return Response.ok().with("created", outcome == Vault.Unlocked.CREATED)
          .with("alreadyUnlocked", outcome == Vault.Unlocked.ALREADY);
    } catch (WrongPassphraseException e) {
      Duration delay = throttle.failed();
      LOG.warning("wrong passphrase (" + throttle.failures() + " in a row); answering in " + delay.toMillis() + " ms");
      // On the unlock thread on purpose: attempts on other connections wait their turn too.
      Thread.sleep(delay);
      throw e;
    }
  }

  private interface Derivation {
    Vault.Unlocked run() throws VaultException, IOException;
  }

  /**
   * Runs a key derivation. libargon2 hands its 128 MiB back by itself; where Bouncy Castle's
   * Java one runs instead, a full collection lets the heap shrink back, so that the daemon idles
   * small however often it is unlocked.
   */
  private static Vault.Unlocked deriving(Derivation derivation) throws VaultException, IOException {
    try {
      return derivation.run();
    } finally {
      if (Argon2id.get().usesJavaHeap()) {
        System.gc();
      }
    }
  }

  private Response lock(Request request) {
    vault.lock();
    LOG.info("vault locked");
    return Response.ok();
  }

  private Response store(Request request) throws ProtocolException, VaultException, IOException {
    String server = request.require("server");
    String username = request.require("username");
    if (server.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "'server' must not be empty");
    }
    if (username.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "'username' must not be empty");
    }
    Secret secret = request.takeSecret("secret");
    try {
      vault.store(server, new Credential(username, secret));
    } catch (VaultException | IOException | RuntimeException e) {
      secret.destroy();
      throw e;
    }
    return Response.ok();
  }

  private Response erase(Request request) throws ProtocolException, VaultException, IOException {
    vault.erase(request.require("server"));
    return Response.ok();
  }

  private CompletableFuture<Response> now(Request request, Op op) {
    return CompletableFuture.completedFuture(answer(request, op));
  }

  private CompletableFuture<Response> onVaultThread(Request request, Op op) {
    return CompletableFuture.supplyAsync(() -> answer(request, op), vaultThread);
  }

  static ErrorCode codeFor(VaultException e) {
    return switch (e) {
      case VaultLockedException locked -> ErrorCode.LOCKED;
      case CredentialNotFoundException notFound -> ErrorCode.NOT_FOUND;
      case WrongPassphraseException wrong -> ErrorCode.UNAUTHORIZED;
      case CorruptVaultException corrupt -> ErrorCode.INTERNAL;
    };
  }

  /** Runs the op and turns every failure into an error answer; wipes what the request carried. */
  private static Response answer(Request request, Op op) {
    try (request) {
      return op.run(request);
    } catch (ProtocolException e) {
      return Response.error(e);
    } catch (VaultException e) {
      if (e instanceof CorruptVaultException) {
        LOG.severe(e.getMessage());
      }
      return Response.error(codeFor(e), e.getMessage());
    } catch (IOException e) {
      String why = IoFailure.describe(e);
      LOG.warning("op '" + request.op() + "': the vault could not be written or read: " + why);
      return Response.error(ErrorCode.INTERNAL, "the vault could not be written or read: " + why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Response.error(ErrorCode.INTERNAL, "the daemon is shutting down");
    } catch (RuntimeException | Error e) {
      // An Error too (out of memory in a key derivation, say): the request is answered, the
      // daemon goes on, and the log says what happened.
      LOG.log(Level.SEVERE, "op '" + request.op() + "' failed", e);
      return Response.error(ErrorCode.INTERNAL, "internal error in op '" + request.op() + "'"
          + (e instanceof OutOfMemoryError ? " (out of memory)" : "") + "; the daemon log has details");
    }
  }
}
