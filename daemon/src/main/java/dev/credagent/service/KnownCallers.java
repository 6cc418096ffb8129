package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.audit.CallerProcess;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Who is behind each open connection, read from /proc once per connection, not per request (the
 * read capped a persistent client's gets at ~5,500/s). Keyed by the connection's own Caller object,
 * by identity, so a reused pid is read anew: a Caller is made when its connection is accepted and
 * names that peer only. A two-way table of {@link #SLOTS} entries, each written whole (no lock): a
 * hit costs an array read, a miss one /proc read and one write, and eviction is overwriting.
 *
 * <p>Caffeine's cache did this before at ~4 us per connection (its weak reference, map node and
 * maintenance), which a helper, with one request per connection, always paid and never used. Here a
 * helper's miss costs what its /proc read costs; the table holds at most {@link #SLOTS} Callers
 * (a uid, a pid and a share's name), stale ones until overwritten.
 *
 * <p>The slot is chosen by the caller's pid, compared by identity: a process's next connection
 * lands where its last one did, whose entry it replaces, in a cache line still warm. By identity
 * hash every connection of the fast path (one request each, so always a miss) read and wrote two
 * slots at random, cold in the cache, and made the JVM store an identity hash in the new Caller.
 */
final class KnownCallers {
  static final int SLOTS = 512; // two ways of 256: 32 persistent clients collide rarely, and then evict only each other

  private record Entry(Caller caller, CallerProcess who) {}

  private final AtomicReferenceArray<Entry> table = new AtomicReferenceArray<>(SLOTS);
  private final Function<Caller, CallerProcess> read;

  KnownCallers(Function<Caller, CallerProcess> read) {
    this.read = read;
  }

  CallerProcess who(Caller caller) {
    int first = (mix((int) caller.pid()) & (SLOTS / 2 - 1)) * 2;
    Entry a = table.get(first);
    if (a != null && a.caller == caller) {
      return a.who;
    }
    Entry b = table.get(first + 1);
    if (b != null && b.caller == caller) {
      return b.who;
    }
    CallerProcess who = read.apply(caller);
    table.set(first + 1, a); // the older entry of the pair makes room; a race only costs a later re-read
    table.set(first, new Entry(caller, who));
    return who;
  }

  private static int mix(int hash) {
    return hash ^ (hash >>> 16);
  }
}
