package dev.credagent.service;

import dev.credagent.caller.Caller;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.credagent.audit.CallerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KnownCallersTest {
  private final AtomicInteger reads = new AtomicInteger();
  private final KnownCallers known = new KnownCallers(caller -> {
    reads.incrementAndGet();
    return new CallerProcess(caller.pid(), "/usr/bin/read-" + reads.get(), 1, "/sbin/init");
  });

  @Test
  void aConnectionsCallerIsReadOnceForAllItsRequests() {
    Caller first = new Caller(1000, 42);
    Caller second = new Caller(1000, 43);
    CallerProcess who = known.who(first);
    for (int i = 0; i < 100; i++) {
      assertSame(who, known.who(first));
      known.who(second);
    }
    assertEquals(2, reads.get());
  }

  @Test
  void aNewConnectionFromAReusedPidIsReadAnew() {
    CallerProcess before = known.who(new Caller(1000, 42));
    CallerProcess after = known.who(new Caller(1000, 42)); // equal, but another connection's
    assertEquals(2, reads.get());
    assertEquals("/usr/bin/read-1", before.exe());
    assertEquals("/usr/bin/read-2", after.exe());
  }

  @Test
  void oneProcesssStreamOfConnectionsEvictsOnlyItsOwn() {
    Caller kept = new Caller(1000, 7); // a persistent client's connection
    known.who(kept);
    for (int i = 0; i < 20 * KnownCallers.SLOTS; i++) {
      known.who(new Caller(1000, 42)); // one process connecting again and again (the fast path: one request each)
    }
    int afterStream = reads.get();
    known.who(kept);
    assertEquals(afterStream, reads.get(), "the other process's connection is still known");
  }

  @Test
  void aFloodOfConnectionsIsBoundedAndEvictsByOverwriting() {
    List<Caller> callers = new ArrayList<>();
    for (int i = 0; i < 20 * KnownCallers.SLOTS; i++) {
      callers.add(new Caller(1000, i));
      known.who(callers.get(i));
    }
    int afterFlood = reads.get();
    assertEquals(20 * KnownCallers.SLOTS, afterFlood);
    known.who(callers.get(0)); // long overwritten: read again, never a wrong answer
    assertEquals(afterFlood + 1, reads.get());
    Caller last = callers.get(callers.size() - 1);
    known.who(last); // the newest is still there
    assertEquals(afterFlood + 1, reads.get());
  }
}
