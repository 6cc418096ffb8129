package dev.credagent.helper;

import dev.credagent.caller.Caller;
import dev.credagent.failure.AgentFailure;
import dev.credagent.files.IoFailure;
import dev.credagent.protocol.Op;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryReference;
import dev.credagent.service.Async;
import dev.credagent.service.CredentialService;
import dev.credagent.transport.RelayHandler;
import dev.credagent.transport.RelayReply;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.VaultException;
import dev.credagent.version.AgentVersion;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Docker credential-helper protocol, as docker-credential-helpers 0.8 speak it, answered for
 * the native {@code docker-credential-agent} relay: every rule lives here, none in the C.
 *
 * <p>Errors go to stdout with exit code 1, as upstream prints them; the not-found text is the one
 * docker and containers/image compare against.
 */
public final class CredentialHelper implements RelayHandler {
  private static final Logger LOG = Logger.getLogger(CredentialHelper.class.getName());

  static final String NOT_FOUND = "credentials not found in native keychain";
  static final String MISSING_SERVER_URL = "no credentials server URL";
  static final String MISSING_USERNAME = "no credentials username";
  static final String USAGE = "Usage: docker-credential-agent <store|get|erase|list|version>";

  private static final RelayReply DONE = new RelayReply(0, new byte[0]);

  private final CredentialService service;

  public CredentialHelper(CredentialService service) {
    this.service = service;
  }

  @Override
  public CompletableFuture<RelayReply> handle(Caller caller, String action, byte[] input) {
    CompletableFuture<RelayReply> reply;
    try {
      reply = switch (action) {
        case "get" -> get(caller, input);
        case "list" -> CompletableFuture.completedFuture(new RelayReply(0, HelperResponse.list(servers(service.visible(caller)))));
        case "version" -> CompletableFuture.completedFuture(
            RelayReply.line(0, "docker-credential-agent (credagent) " + AgentVersion.VALUE));
        case "store" -> store(caller, input).thenApply(done -> DONE);
        case "erase" -> erase(caller, requireServerUrl(HelperRequest.parseServerUrl(input)));
        default -> CompletableFuture.completedFuture(RelayReply.line(1, USAGE));
      };
    } catch (HelperException | VaultException | dev.credagent.service.UnknownProfileException | RuntimeException | Error e) {
      reply = CompletableFuture.failedFuture(e);
    }
    Future.State state = reply.state();
    if (state == Future.State.SUCCESS || state == Future.State.FAILED) { // a get, mostly: no stage (or lambda) made for it
      Arrays.fill(input, (byte) 0);
      return state == Future.State.SUCCESS ? reply : CompletableFuture.completedFuture(error(Async.cause(reply.exceptionNow())));
    }
    return reply
        .exceptionally(failure -> error(Async.cause(failure)))
        .whenComplete((answer, failure) -> Arrays.fill(input, (byte) 0));
  }

  private CompletableFuture<RelayReply> get(Caller caller, byte[] input) throws HelperException {
    String serverUrl = requireServerUrl(HelperRequest.parseServerUrl(input));
    CompletableFuture<Credential> found = service.get(caller, RegistryReference.parse(serverUrl));
    if (found.state() == Future.State.SUCCESS) { // from memory: no stage chained for it
      return CompletableFuture.completedFuture(answer(serverUrl, found.resultNow()));
    }
    return found.thenApply(credential -> answer(serverUrl, credential));
  }

  /** The credential as the helper prints it; its secret is wiped whatever happens. */
  private static RelayReply answer(String serverUrl, Credential credential) {
    try {
      return new RelayReply(0, HelperResponse.credential(serverUrl, credential));
    } finally {
      credential.secret().destroy();
    }
  }

  private CompletableFuture<Void> store(Caller caller, byte[] input) throws HelperException {
    service.admit(caller, Op.STORE, null); // a share's store: forbidden before its input (a secret) is read
    HelperRequest request = HelperRequest.parseStore(input);
    try {
      requireServerUrl(request.serverUrl());
      if (request.username().isEmpty()) {
        throw new HelperException(MISSING_USERNAME);
      }
    } catch (HelperException e) {
      request.secret().destroy();
      throw e;
    }
    return service.store(caller, request.serverUrl(), new Credential(request.username(), request.secret()));
  }

  private static String requireServerUrl(String serverUrl) throws HelperException {
    if (serverUrl.isEmpty()) {
      throw new HelperException(MISSING_SERVER_URL);
    }
    return serverUrl;
  }

  /**
   * What the helper's {@code list} names: the servers stored, not the patterns. A client that
   * logs out of every registry it is listed ({@code podman logout --all} erases each) must not erase
   * the patterns, which are no registry's login of their own.
   */
  private static Map<String, String> servers(Map<String, String> all) {
    Map<String, String> servers = new LinkedHashMap<>();
    all.forEach((key, username) -> {
      if (!RegistryPattern.isPattern(key)) {
        servers.put(key, username);
      }
    });
    return servers;
  }

  /**
   * A helper's erase is of one registry's login: a pattern is not one, and is left alone. Nothing
   * stored for the server is answered as done, not as docker-credential-helpers' "credentials not
   * found": podman 4.3, skopeo 1.9 and buildah 1.28 overflow their stack (go-multierror) on any
   * error from a helper listed before containers-auth.json when they log out of a registry they
   * are not logged in to, and a five-line fake helper shows the same; only success avoids it.
   * docker asks a helper to erase only what its config.json says it is logged in to, so its
   * logout is unchanged (PodmanIT and RealClientsIT run both).
   */
  private CompletableFuture<RelayReply> erase(Caller caller, String server) {
    // The gate first: a share never erases, and the pattern's "done" below must not answer one
    // as if it could (it did, unaudited, while a stored server was forbidden).
    service.admit(caller, Op.ERASE, server);
    if (RegistryPattern.isPattern(server)) {
      return CompletableFuture.completedFuture(DONE);
    }
    return service.erasure().erase(caller, server, false).thenApply(done -> DONE).exceptionallyCompose(failure ->
        Async.cause(failure) instanceof CredentialNotFoundException
            ? CompletableFuture.completedFuture(DONE) : CompletableFuture.failedFuture(failure));
  }

  /** Upstream's one-line answers for every failure; an Error too, logged. */
  private static RelayReply error(Throwable failure) {
    return switch (failure) {
      // The helper protocol's own words for "none": docker and the others match on them.
      case CredentialNotFoundException e -> RelayReply.line(1, NOT_FOUND);
      // Locked (the message says to run `credagent unlock`), a failing source, a share's refusal: one line.
      case AgentFailure e -> RelayReply.line(1, e.getMessage());
      case IOException e -> {
        String why = IoFailure.describe(e);
        LOG.warning("credential helper: the vault could not be written: " + why);
        yield RelayReply.line(1, "credagent could not write its vault: " + why);
      }
      default -> {
        LOG.log(Level.SEVERE, "credential helper failed", failure);
        yield RelayReply.line(1, "credagent failed internally; its daemon log has details");
      }
    };
  }
}
