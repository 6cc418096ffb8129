package dev.credagent.audit;

import dev.credagent.caller.Caller;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * The programs behind connections, kept by process identity ({@link ProcessIdentity}: pidfs's
 * inode, else pid and start time), so a client that connects again and again (a CI job's loop, a
 * long-lived docker) has its caller read from /proc once, not on every connection; a process that
 * later gets the same pid has another identity and is read anew. Only what cannot change within a
 * process is kept: its executable and its parent, as first read (see docs/design.md, issue 32,
 * for why that is safe). The uid, the cwd, the terminal and the display come with each
 * connection and are never kept here.
 *
 * <p>A two-way table of {@link #SLOTS} entries, each written whole (no lock): a hit is an array
 * read and the identity's system calls, a miss what the /proc read costs and one write, and
 * eviction is overwriting, so any number of distinct callers holds at most {@link #SLOTS}.
 */
public final class CallerProcesses {
  static final int SLOTS = 256;

  private record Entry(long pid, long identity, CallerProcess who) {}

  private final AtomicReferenceArray<Entry> table = new AtomicReferenceArray<>(SLOTS);
  private final ProcessIdentity identity;
  private final Function<Caller, CallerProcess> read;

  CallerProcesses(ProcessIdentity identity, Function<Caller, CallerProcess> read) {
    this.identity = identity;
    this.read = read;
  }

  /** This system's: the cheapest identity it has, and /proc (or the JDK, on macOS) to read. */
  public static CallerProcesses forThisSystem() {
    return new CallerProcesses(ProcessIdentity.best(), CallerProcess::of);
  }

  /** The program behind {@code caller}: kept, where the same process was read before, else read now. */
  public CallerProcess of(Caller caller) {
    long pid = caller.pid();
    long id = pid > 0 ? identity.of(pid) : ProcessIdentity.UNKNOWN;
    if (id == ProcessIdentity.UNKNOWN) {
      return read.apply(caller); // gone, or nothing to tell it by: read as before, never kept
    }
    int first = (mix(Long.hashCode(pid * 31 + id)) & (SLOTS / 2 - 1)) * 2;
    Entry a = table.get(first);
    if (a != null && a.pid == pid && a.identity == id) {
      return a.who;
    }
    Entry b = table.get(first + 1);
    if (b != null && b.pid == pid && b.identity == id) {
      return b.who;
    }
    CallerProcess who = read.apply(caller);
    if (who.exe().equals(CallerProcess.UNKNOWN)) {
      return who; // vanished mid-way (or unreadable): not kept, so a later read may do better
    }
    table.set(first + 1, a); // the older entry of the pair makes room; a race only costs a later re-read
    table.set(first, new Entry(pid, id, who));
    return who;
  }

  /** How many processes are kept now: never more than {@link #SLOTS}. */
  int kept() {
    int kept = 0;
    for (int i = 0; i < SLOTS; i++) {
      kept += table.get(i) != null ? 1 : 0;
    }
    return kept;
  }

  private static int mix(int hash) {
    return hash ^ (hash >>> 16);
  }
}
