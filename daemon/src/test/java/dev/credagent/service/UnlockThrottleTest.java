package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnlockThrottleTest {
  @Test
  void eachFailureWaitsATenthOfASecondLongerUpToTenSeconds() {
    UnlockThrottle throttle = new UnlockThrottle(delay -> { throw new AssertionError("no wait asked: " + delay); });
    assertEquals(Duration.ofMillis(100), throttle.failed());
    assertEquals(Duration.ofMillis(200), throttle.failed());
    for (int i = 0; i < 200; i++) {
      throttle.failed();
    }
    assertEquals(Duration.ofSeconds(10), throttle.failed());
  }

  @Test
  void aSuccessStartsOver() {
    UnlockThrottle throttle = new UnlockThrottle(delay -> { throw new AssertionError("no wait asked: " + delay); });
    throttle.failed();
    throttle.failed();
    throttle.succeeded();
    assertEquals(Duration.ofMillis(100), throttle.failed());
  }

  /**
   * The wait goes through the injected pause, not Thread.sleep: 105 wrong guesses ask for 0.1 s,
   * 0.2 s... up to 10 s each (about 9 minutes, had they slept), and this test takes milliseconds.
   */
  @Test
  void eachPenaltyAsksThePauseForTheGrowingDelayInsteadOfSleeping() throws Exception {
    List<Duration> asked = new ArrayList<>();
    UnlockThrottle throttle = new UnlockThrottle(asked::add);
    long started = System.nanoTime();
    for (int i = 0; i < 105; i++) {
      throttle.penalize(new Caller(1000, 4242), "unlock");
    }
    assertEquals(Duration.ofMillis(100), asked.get(0));
    assertEquals(Duration.ofMillis(200), asked.get(1));
    assertEquals(Duration.ofMillis(9_900), asked.get(98));
    assertEquals(Duration.ofSeconds(10), asked.get(104), "at most 10 s");
    assertEquals(105, throttle.failures());
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0, "it slept");
  }
}
