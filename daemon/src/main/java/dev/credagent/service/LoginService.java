package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.protocol.Op;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryErrors;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.registry.auth.RegistryBusyException;
import dev.credagent.registry.auth.RegistryPlaces;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import dev.credagent.vault.VaultLockedException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Registry logins ({@code credagent login}, as {@code docker login}): made on a network thread, so
 * a slow registry holds back no read, write or lock, and stored only once the registry said yes.
 */
public final class LoginService {
  private static final Logger LOG = Logger.getLogger(LoginService.class.getName());

  private final RegistryLogin registries; // null: a daemon that makes no logins (tests)
  private final Executor network;
  private final RegistryPlaces places;
  private final Store store;

  /** The service's store: keeps a different credential it replaces as erased; completes with whether it did. */
  @FunctionalInterface
  interface Store {
    CompletableFuture<Boolean> store(Caller caller, String key, Credential credential);
  }

  private record Stored(String username, boolean replaced) {}
  private final RequestGate gate;
  private final AuditTrail trail;
  private final BooleanSupplier usable;

  /** {@code store}: the service's own store, unaudited (the login is audited), which owns the credential. */
  LoginService(RegistryLogin registries, Executor network, RegistryPlaces places, Store store,
      RequestGate gate, AuditTrail trail, BooleanSupplier usable) {
    this.registries = registries;
    this.network = network;
    this.places = places;
    this.store = store;
    this.gate = gate;
    this.trail = trail;
    this.usable = usable;
  }

  /**
   * Logs in to {@code registry} with {@code username} and {@code password} (which this service
   * then owns) and stores what the login yields under {@code key} (the registry's own key, or a
   * pattern): the username and password, or docker's {@code <token>} and the refresh token. A
   * refused login stores nothing and leaves the credential already there untouched. Completes with
   * the stored username.
   */
  public CompletableFuture<String> login(Caller caller, RegistryAddress registry, String key, String username,
      Secret password) {
    CompletableFuture<String> refused = gate.refusal(caller, Op.LOGIN, key, password);
    if (refused != null) {
      return refused;
    }
    InvalidRequestException invalid = RequestLimits.checkCredential(key, username, password);
    if (invalid != null) {
      return gate.invalid(caller, Op.LOGIN, key, invalid, password);
    }
    if (!usable.getAsBoolean()) {
      password.destroy();
      return trail.audited(caller, "login", key, CompletableFuture.failedFuture(new VaultLockedException()));
    }
    // A place at the registry before a network thread: one that stalls holds only its own places.
    if (!places.tryTake(registry.key())) {
      password.destroy();
      return trail.audited(caller, "login", key,
          CompletableFuture.failedFuture(new RegistryBusyException(registry.key(), places.max())));
    }
    CompletableFuture<Credential> loggedIn = Async.on(network, () -> {
      try (password) {
        if (registries == null) {
          throw new LoginFailedException("this daemon makes no logins");
        }
        return registries.login(registry, username, password);
      } catch (IOException e) {
        throw RegistryErrors.ofLogin(registry, e);
      }
    });
    loggedIn.whenComplete((credential, failure) -> places.give(registry.key()));
    return trail.auditedSaying(caller, "login", key, loggedIn.thenCompose(credential -> store.store(caller, key, credential)
        .thenApply(replaced -> {
          LOG.info("logged in to " + registry.key() + " as " + credential.username()
              + (key.equals(registry.key()) ? "" : ", stored for " + key) + (replaced ? ", keeping the credential it replaced as erased" : "")
              + " (" + caller + ")");
          return new Stored(credential.username(), replaced);
        })), stored -> stored.replaced() ? "replaced" : "ok").thenApply(Stored::username);
  }
}
