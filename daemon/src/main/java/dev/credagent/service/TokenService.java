package dev.credagent.service;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.protocol.Op;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryReference;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.VaultLockedException;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Bearer tokens for scripts ({@code credagent token}, for {@code curl}): from the cache, or minted
 * by the registry's token server with the login a get would find. Through a share, only tokens
 * scoped inside the share leave.
 */
public final class TokenService {
  private final TokenCache tokens; // null: a daemon that makes no logins (tests)
  private final Profiles profiles;
  private final RequestGate gate;
  private final AuditTrail trail;
  private final BooleanSupplier usable;
  /** The passphrase prompt a locked get makes ({@link PassphrasePrompt#askFor}): null where none is made. */
  private final java.util.function.BiFunction<Caller, String, CompletableFuture<Void>> ask;

  TokenService(TokenCache tokens, Profiles profiles, RequestGate gate, AuditTrail trail, BooleanSupplier usable) {
    this(tokens, profiles, gate, trail, usable, (caller, wanted) -> null);
  }

  TokenService(TokenCache tokens, Profiles profiles, RequestGate gate, AuditTrail trail, BooleanSupplier usable,
      java.util.function.BiFunction<Caller, String, CompletableFuture<Void>> ask) {
    this.ask = ask;
    this.tokens = tokens;
    this.profiles = profiles;
    this.gate = gate;
    this.trail = trail;
    this.usable = usable;
  }

  /**
   * A token {@code registry} accepts now for {@code scopes}, with the stored login looked up by
   * {@code asked}: the registry's key, or that and a repository's path ({@code ghcr.io/my-org/app}),
   * which path patterns match. Through a share, a token is minted only for repository scopes the
   * share allows: the login behind it may be wider than the share (a host-wide one). The token is
   * a copy the caller wipes.
   */
  public CompletableFuture<TokenCache.Token> get(Caller caller, RegistryAddress registry, RegistryReference asked,
      List<String> scopes) {
    String lookup = asked.written();
    CompletableFuture<TokenCache.Token> refused = gate.refusal(caller, Op.TOKEN, lookup);
    if (refused != null) {
      return refused;
    }
    if (String.join(" ", scopes).length() > RequestLimits.MAX_SERVER_CHARS * 4) {
      return gate.invalid(caller, Op.TOKEN, lookup, new InvalidRequestException(
          "the scopes asked are longer than " + RequestLimits.MAX_SERVER_CHARS * 4 + " characters"));
    }
    AuditLog.Served scoped = new AuditLog.Served(null, scopes);
    if (caller.share() != null) {
      if (!caller.share().permits(asked, null)) {
        return trail.audited(caller, "token", lookup, scoped, CompletableFuture.failedFuture(new CredentialNotFoundException(lookup)));
      }
      // No credential leaves, only a token: each repository it is for must lie inside the share.
      String host = registry.key(); // HOST[:PORT], or Docker Hub's key
      if (scopes.isEmpty() ? !caller.share().permits(RegistryReference.parse(host), null)
          : !scopes.stream().allMatch(scope -> caller.share().permits(ShareScope.tokenScope(host, scope), null))) {
        return trail.audited(caller, "token", lookup, scoped,
            CompletableFuture.failedFuture(new ShareForbiddenException("a token for scopes outside it")));
      }
    }
    if (!usable.getAsBoolean() && caller.mayBeAsked()) {
      // As a locked get does (issue 30, item 2): `credagent token` from a terminal or a desktop asks
      // for the passphrase, once, and is answered after the prompt, unlocked or not.
      CompletableFuture<Void> prompt = ask.apply(caller, "a token for " + registry.key());
      if (prompt != null) {
        Caller answered = caller.withoutPrompt();
        return prompt.thenCompose(done -> get(answered, registry, asked, scopes));
      }
    }
    if (!usable.getAsBoolean()) {
      return trail.audited(caller, "token", registry.key(), scoped, CompletableFuture.failedFuture(new VaultLockedException()));
    }
    if (tokens == null) {
      return CompletableFuture.failedFuture(new LoginFailedException("this daemon makes no logins"));
    }
    ProfileTable.Choice profile;
    try {
      profile = profiles.choose(caller);
    } catch (VaultLockedException | UnknownProfileException failure) {
      return trail.audited(caller, "token", lookup, scoped, CompletableFuture.failedFuture(failure));
    }
    // The profile goes into the cache's key (and so to the minter's lookup): each profile's tokens are its own.
    String inProfile = ProfileKeys.prefix(profile.name()) + lookup;
    String key = profiles.keyFor(profile.name(), asked);
    AuditLog.Served served = new AuditLog.Served(key == null ? null : ProfileKeys.shown(key), scopes)
        .in(CredentialService.described(profile, key));
    return trail.audited(caller, "token", lookup, served, tokens.get(new TokenCache.Key(registry, inProfile, new TreeSet<>(scopes)))
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(Async.cause(failure))));
  }
}
