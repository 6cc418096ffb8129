package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnlockThrottleTest {
  @Test
  void eachFailureWaitsATenthOfASecondLongerUpToTenSeconds() {
    UnlockThrottle throttle = new UnlockThrottle();
    assertEquals(Duration.ofMillis(100), throttle.failed());
    assertEquals(Duration.ofMillis(200), throttle.failed());
    for (int i = 0; i < 200; i++) {
      throttle.failed();
    }
    assertEquals(Duration.ofSeconds(10), throttle.failed());
  }

  @Test
  void aSuccessStartsOver() {
    UnlockThrottle throttle = new UnlockThrottle();
    throttle.failed();
    throttle.failed();
    throttle.succeeded();
    assertEquals(Duration.ofMillis(100), throttle.failed());
  }
}
