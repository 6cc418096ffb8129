package dev.credagent.daemon;

import dev.credagent.protocol.ErrorCode;
import dev.credagent.protocol.ProtocolException;
import dev.credagent.protocol.Request;
import dev.credagent.protocol.RequestParser;
import dev.credagent.protocol.Response;
import dev.credagent.transport.RequestHandler;
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
 * The ops of protocol version 1. Reads answer at once on the socket's thread; anything that
 * derives a key or writes the vault runs on the vault's own thread, one at a time.
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
  private final Runnable stop;
  private final UnlockThrottle throttle = new UnlockThrottle();

  public Operations(Vault vault, DaemonInfo info, Executor vaultThread, Runnable stop) {
    this.vault = vault;
    this.info = info;
    this.vaultThread = vaultThread;
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
      case "unlock" -> onVaultThread(request, this::unlock);
      case "lock" -> onVaultThread(request, this::lock);
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

  private Response unlock(Request request) throws ProtocolException, VaultException, IOException, InterruptedException {
    Secret passphrase = request.requireSecret("passphrase");
    if (passphrase.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "the passphrase must not be empty");
    }
    try {
      Vault.Unlocked outcome = vault.unlock(passphrase);
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
      // On the vault's thread on purpose: attempts on other connections wait their turn too.
      Thread.sleep(delay);
      throw e;
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
      LOG.log(Level.SEVERE, "vault I/O failed", e);
      return Response.error(ErrorCode.INTERNAL, "the vault could not be written or read: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Response.error(ErrorCode.INTERNAL, "the daemon is shutting down");
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "op '" + request.op() + "' failed", e);
      return Response.error(ErrorCode.INTERNAL, "internal error in op '" + request.op() + "'; the daemon log has details");
    }
  }
}
