package dev.credagent.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import dev.credagent.service.TestClock;
import org.junit.jupiter.api.Test;

/** The life of a cached source value, on the test's clock and the test's executor: no sleeps. */
class CachedSourceTest {
  private final TestClock clock = new TestClock();
  private final ArrayDeque<Runnable> runsQueued = new ArrayDeque<>();
  private int counter;
  private boolean failing;
  private final SourceDefinition oneHour = SourceDefinition.exec("print-token", "AWS", Duration.ofHours(1), Map.of());
  private final CachedSource source = new CachedSource("stored", oneHour, () -> {
    counter++;
    if (failing) {
      throw new SourceFailedException("the source for r (print-token) exited with 1: expired session");
    }
    return new Credential("AWS", Secret.adopt(("token-" + counter).toCharArray()));
  }, runsQueued::add, clock);

  private void advance(Duration duration) {
    clock.advance(duration);
  }

  private void runQueued() {
    while (!runsQueued.isEmpty()) {
      runsQueued.poll().run();
    }
  }

  private static String secret(CompletableFuture<Credential> credential) {
    return new String(credential.join().secret().toChars());
  }

  /** An executor may run the source at once, on the caller's thread (a full pool's caller-runs). */
  @Test
  void aSourceRunAtOnceOnTheCallersThreadIsServed() {
    CachedSource inline = new CachedSource("stored", oneHour,
        () -> new Credential("AWS", Secret.adopt("token-now".toCharArray())), Runnable::run, clock);
    Credential got = inline.get().join();
    assertEquals("token-now", new String(got.secret().toChars()));
    assertEquals(1, inline.runs());
    assertEquals("token-now", new String(inline.get().join().secret().toChars()), "and cached");
    assertEquals(1, inline.runs());
  }

  @Test
  void oneRunServesEveryGetForHalfItsTtl() {
    CompletableFuture<Credential> first = source.get();
    CompletableFuture<Credential> second = source.get();
    assertFalse(first.isDone(), "waits for the run");
    runQueued();
    assertEquals("token-1", secret(first));
    assertEquals("token-1", secret(second), "one run at a time: the second waited for the same one");
    advance(Duration.ofMinutes(29));
    assertEquals("token-1", secret(source.get()));
    assertEquals(1, source.runs());
  }

  @Test
  void pastHalfItsTtlTheValueIsServedWhileARunRefreshesIt() {
    source.get();
    runQueued();
    advance(Duration.ofMinutes(31));
    assertEquals("token-1", secret(source.get()), "served at once");
    assertEquals(1, runsQueued.size(), "and a refresh started");
    runQueued();
    assertEquals("token-2", secret(source.get()));
  }

  @Test
  void aFailedRefreshNeverServesAValuePastItsTtlAndBacksOff() {
    source.get();
    runQueued();
    failing = true;
    advance(Duration.ofMinutes(61));
    CompletableFuture<Credential> expired = source.get();
    runQueued();
    CompletionException e = assertThrows(CompletionException.class, expired::join);
    assertInstanceOf(SourceFailedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("exited with 1: expired session"), e.getCause().getMessage());

    CompletableFuture<Credential> backingOff = source.get();
    assertTrue(runsQueued.isEmpty(), "no new run within the backoff");
    assertTrue(assertThrows(CompletionException.class, backingOff::join).getCause().getMessage().contains("tried again in"));

    failing = false;
    advance(Duration.ofSeconds(2));
    CompletableFuture<Credential> retried = source.get();
    runQueued();
    assertEquals("token-3", secret(retried));
  }

  @Test
  void clearingWipesTheValueAndARunUnderWayKeepsNothing() {
    CompletableFuture<Credential> first = source.get();
    runQueued();
    Credential held = first.join();
    source.clear();
    CompletableFuture<Credential> during = source.get();
    source.clear();
    runQueued();
    assertThrows(CompletionException.class, during::join);
    assertTrue(held.secret().length() > 0, "callers own their copies");
  }
}
