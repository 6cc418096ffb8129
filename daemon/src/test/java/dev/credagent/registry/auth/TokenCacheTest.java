package dev.credagent.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.vault.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Expiry on the cache's clock, the one time source the test moves: no sleeps. */
class TokenCacheTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T12:00:00Z"));
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final AtomicInteger fetches = new AtomicInteger();
  private final List<Secret> handedOut = new ArrayList<>();
  private volatile boolean failing;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  /**
   * Loads run inline, so that Caffeine has recorded a token's expiry before the test moves time
   * (on a pool it records it in a completion callback, which may run after join() returned).
   */
  private final TokenCache cache = cache(Runnable::run);

  private TokenCache cache(java.util.concurrent.Executor loads) {
    return new TokenCache(key -> {
    gate.join();
    int n = fetches.incrementAndGet();
    if (failing) {
      throw new LoginFailedException("r.example refused the stored token (HTTP 401)");
    }
    Secret token = Secret.adopt(("token-" + n).toCharArray());
    synchronized (handedOut) {
      handedOut.add(token);
    }
    return new TokenAnswer(token, now.get().plus(Duration.ofSeconds(300)), null);
    }, loads, clock);
  }

  private static final TokenCache.Key PULL = new TokenCache.Key(RegistryAddress.of("r.example", false),
      new TreeSet<>(List.of("repository:a:pull")));

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private String token() {
    TokenCache.Token token = cache.get(PULL).join();
    return new String(token.token().toChars());
  }

  private void advance(Duration duration) {
    now.updateAndGet(instant -> instant.plus(duration));
  }

  @Test
  void aTokenIsKeptUntilAMarginBeforeItsOwnExpiryThenAskedAgain() {
    assertEquals("token-1", token());
    advance(Duration.ofSeconds(289));
    assertEquals("token-1", token(), "still 11 s left: kept");
    advance(Duration.ofSeconds(2));
    assertEquals("token-2", token(), "within the 10 s margin: asked again");
    assertEquals(2, fetches.get());
  }

  @Test
  void thirtyTwoCallersAtOnceMakeOneRequest() {
    TokenCache pooled = cache(executor);
    gate = new CompletableFuture<>();
    List<CompletableFuture<TokenCache.Token>> waiting = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      waiting.add(pooled.get(PULL));
    }
    gate.complete(null);
    waiting.forEach(CompletableFuture::join);
    assertEquals(1, fetches.get());
  }

  @Test
  void aFailedRefreshIsAnErrorNeverTheExpiredToken() {
    assertEquals("token-1", token());
    advance(Duration.ofSeconds(295));
    failing = true;
    CompletionException e = assertThrows(CompletionException.class, () -> cache.get(PULL).join());
    assertInstanceOf(LoginFailedException.class, e.getCause());
    failing = false;
    assertEquals("token-3", token(), "the failure was not cached");
  }

  @Test
  void clearingWipesEveryTokenAndTheNextCallAsksAgain() {
    assertEquals("token-1", token());
    cache.clear();
    assertTrue(handedOut.getFirst().isDestroyed(), "the cached token was wiped");
    assertEquals("token-2", token());
  }
}
