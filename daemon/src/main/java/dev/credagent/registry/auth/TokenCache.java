package dev.credagent.registry.auth;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.vault.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Bearer tokens for scripts, one per registry and set of scopes, each kept until a margin before
 * its own expiry (receipt + {@code expires_in}, 60 s to a day). Many callers asking for one key
 * at once make one request to the token server (Caffeine's async loading); a failed request is
 * not cached and is the error every waiting caller gets, never an expired token. Removed tokens
 * are wiped; {@link #clear()} (on lock) removes them all. Each registry has only so many requests
 * in flight ({@link RegistryPlaces}), taken before a request waits for a network thread, so one
 * that stalls cannot hold the threads every other registry's tokens need.
 */
public final class TokenCache {
  /** Kept until this long before a token expires, so that none is handed out about to lapse. */
  public static final Duration MARGIN = Duration.ofSeconds(10);

  /**
   * A token's identity: the registry, the key its credential is looked up by ({@code HOST[:PORT]},
   * or with a repository's path, for a path pattern), and the scopes.
   */
  public record Key(RegistryAddress registry, String lookup, SortedSet<String> scopes) {
    public Key(RegistryAddress registry, SortedSet<String> scopes) {
      this(registry, registry.key(), scopes);
    }
  }

  /** A token and when it expires; the secret is a copy the caller owns. */
  public record Token(Secret token, Instant expiresAt) {}

  /** Asks the registry's token server, on the cache's executor. */
  @FunctionalInterface
  public interface Source {
    TokenAnswer fetch(Key key) throws Exception;
  }

  private final AsyncLoadingCache<Key, Token> cache;
  private final Clock clock;

  /** {@code clock}: the one time source, for a token's expiry and for Caffeine's ticker both. */
  public TokenCache(Source source, Executor executor, Clock clock) {
    this(source, executor, clock, new RegistryPlaces());
  }

  /** The same, with {@code places} bounding the requests in flight to each registry. */
  public TokenCache(Source source, Executor executor, Clock clock, RegistryPlaces places) {
    this.clock = clock;
    Ticker ticker = () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
    this.cache = Caffeine.newBuilder()
        .executor(executor)
        .ticker(ticker)
        .maximumSize(1_000)
        .expireAfter(Expiry.<Key, Token>creating((key, token) -> lifetime(token, clock)))
        .removalListener((Key key, Token token, RemovalCause cause) -> {
          if (token != null) {
            token.token().destroy();
          }
        })
        .buildAsync((Key key, Executor loads) -> {
          // Taken here, on the asking thread, before the request queues for a network thread.
          String registry = key.registry().key();
          if (!places.tryTake(registry)) {
            return CompletableFuture.failedFuture(new RegistryBusyException(registry, places.max()));
          }
          try {
            return CompletableFuture.supplyAsync(() -> fetch(source, key), loads)
                .whenComplete((token, failure) -> places.give(registry));
          } catch (RuntimeException rejected) {
            places.give(registry);
            throw rejected;
          }
        });
  }

  private static Token fetch(Source source, Key key) {
    TokenAnswer answer;
    try {
      answer = source.fetch(key);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new CompletionException(e); // as Caffeine's own loader wraps it
    }
    if (answer.refresh() != null) {
      answer.refresh().destroy(); // the source stored what it needed of it
    }
    return new Token(answer.access(), answer.expiresAt());
  }

  /** A valid token for {@code key}: cached, or asked for now. The secret is a copy the caller wipes. */
  public CompletableFuture<Token> get(Key key) {
    return cache.get(key).thenCompose(token -> {
      try {
        if (token.expiresAt().isAfter(clock.instant())) {
          return CompletableFuture.completedFuture(new Token(token.token().copy(), token.expiresAt()));
        }
      } catch (Secret.DestroyedSecretException removedMeanwhile) {
        // cleared (a lock) or expired while we copied it: ask again
      }
      cache.synchronous().invalidate(key);
      return cache.get(key).thenApply(fresh -> new Token(fresh.token().copy(), fresh.expiresAt()));
    });
  }

  /**
   * Removes and wipes every token: the vault was locked. Wiped here, at once: Caffeine's removal
   * listener (which wipes what expires) runs later, on the executor.
   */
  public void clear() {
    cache.synchronous().asMap().values().forEach(token -> token.token().destroy());
    cache.synchronous().invalidateAll();
  }

  private static Duration lifetime(Token token, Clock clock) {
    Duration left = Duration.between(clock.instant(), token.expiresAt()).minus(MARGIN);
    return left.isNegative() ? Duration.ZERO : left;
  }
}
