package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleCollectorTest {
  private final AtomicLong requests = new AtomicLong();
  private final AtomicInteger collections = new AtomicInteger();
  private final IdleCollector collector = new IdleCollector(requests::get, collections::incrementAndGet);

  @Test
  void collectsOnceWhenABurstEndsAndNeverWhileBusyOrAlwaysIdle() {
    collector.run();
    collector.run();
    assertEquals(0, collections.get(), "idle from the start: nothing to give back");
    for (int check = 0; check < 5; check++) {
      requests.addAndGet(10);
      collector.run();
    }
    assertEquals(0, collections.get(), "busy");
    collector.run();
    assertEquals(1, collections.get(), "the first quiet check after a burst");
    collector.run();
    collector.run();
    assertEquals(1, collections.get(), "once per burst");
  }
}
