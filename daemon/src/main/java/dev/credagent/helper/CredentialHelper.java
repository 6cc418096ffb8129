package dev.credagent.helper;

import dev.credagent.daemon.AgentVersion;
import dev.credagent.files.IoFailure;
import dev.credagent.transport.RelayHandler;
import dev.credagent.transport.RelayReply;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultException;
import dev.credagent.vault.VaultLockedException;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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

  @FunctionalInterface
  private interface Action {
    RelayReply run() throws HelperException, VaultException, IOException;
  }

  private final Vault vault;
  private final Executor vaultThread;

  public CredentialHelper(Vault vault, Executor vaultThread) {
    this.vault = vault;
    this.vaultThread = vaultThread;
  }

  @Override
  public CompletableFuture<RelayReply> handle(String action, byte[] input) {
    return switch (action) {
      case "get" -> now(input, () -> get(input));
      case "list" -> now(input, () -> new RelayReply(0, HelperResponse.list(vault.list())));
      case "version" -> now(input, () -> RelayReply.line(0, "docker-credential-agent (credagent) " + AgentVersion.VALUE));
      case "store" -> onVaultThread(input, () -> store(input));
      case "erase" -> onVaultThread(input, () -> erase(input));
      default -> now(input, () -> RelayReply.line(1, USAGE));
    };
  }

  private RelayReply get(byte[] input) throws HelperException, VaultException {
    String serverUrl = requireServerUrl(HelperRequest.parseServerUrl(input));
    Credential credential = vault.get(serverUrl);
    try {
      return new RelayReply(0, HelperResponse.credential(serverUrl, credential));
    } finally {
      credential.secret().destroy();
    }
  }

  private RelayReply store(byte[] input) throws HelperException, IOException, VaultLockedException {
    HelperRequest request = HelperRequest.parseStore(input);
    try {
      requireServerUrl(request.serverUrl());
      if (request.username().isEmpty()) {
        throw new HelperException(MISSING_USERNAME);
      }
      vault.store(request.serverUrl(), new Credential(request.username(), request.secret()));
    } catch (HelperException | IOException | VaultLockedException | RuntimeException e) {
      request.secret().destroy();
      throw e;
    }
    return new RelayReply(0, new byte[0]);
  }

  private RelayReply erase(byte[] input) throws HelperException, VaultException, IOException {
    vault.erase(requireServerUrl(HelperRequest.parseServerUrl(input)));
    return new RelayReply(0, new byte[0]);
  }

  private static String requireServerUrl(String serverUrl) throws HelperException {
    if (serverUrl.isEmpty()) {
      throw new HelperException(MISSING_SERVER_URL);
    }
    return serverUrl;
  }

  private static CompletableFuture<RelayReply> now(byte[] input, Action action) {
    return CompletableFuture.completedFuture(answer(input, action));
  }

  private CompletableFuture<RelayReply> onVaultThread(byte[] input, Action action) {
    return CompletableFuture.supplyAsync(() -> answer(input, action), vaultThread);
  }

  /** Runs the action, turns failures into upstream's one-line answers, and wipes the input. */
  private static RelayReply answer(byte[] input, Action action) {
    try {
      return action.run();
    } catch (HelperException e) {
      return RelayReply.line(1, e.getMessage());
    } catch (CredentialNotFoundException e) {
      return RelayReply.line(1, NOT_FOUND);
    } catch (VaultException e) {
      // Locked (the message says to run `credagent unlock`), or an unreadable vault file.
      return RelayReply.line(1, e.getMessage());
    } catch (IOException e) {
      String why = IoFailure.describe(e);
      LOG.warning("credential helper: the vault could not be written: " + why);
      return RelayReply.line(1, "credagent could not write its vault: " + why);
    } catch (RuntimeException | Error e) {
      LOG.log(Level.SEVERE, "credential helper failed", e);
      return RelayReply.line(1, "credagent failed internally; its daemon log has details");
    } finally {
      Arrays.fill(input, (byte) 0);
    }
  }
}
