package dev.credagent.audit;

import dev.credagent.caller.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The programs behind connections, kept while their processes live: a client that connects again
 * and again (a CI job's loop, an IDE) has its executable and parent read from /proc once, and a
 * helper's parent (docker, a shell, a build tool spawning many helpers) has its executable read
 * once for all its helpers. A kept process is held by a {@link ProcessIdentity} (a pidfd), which
 * says when it has exited, so its pid, once given to another process, is read anew. Only what
 * cannot change within a process is kept (docs/design.md, issue 32, says why that is enough):
 * the uid, cwd, terminal and display come with each connection and are never kept here. The
 * parent pid can change (when the parent exits the child goes to init or a subreaper, and the old
 * pid to anyone), so a kept process's parent is trusted only while that parent's own hold says
 * it lives, and read again otherwise.
 *
 * <p>A helper is never kept itself: it makes one connection in its life, and keeping it would
 * cost a pidfd's open and close on every helper call. Any other caller is kept from its first
 * connection, read a second time under its hold (so the facts kept are the held process's, even
 * if its pid was reused between the two reads). At most {@link #SLOTS} processes are kept (a
 * two-way table: eviction closes the oldest of a pair), so any number of callers holds at most
 * that many pidfds; and keeping one lets go of those that have exited, so what is held is mostly
 * what still lives.
 */
public final class CallerProcesses {
  static final int SLOTS = 64;
  private static final long NOT_READ = -2;

  /** What is read of a process from /proc: its parent's pid and its executable. */
  interface Reader {
    long parentPid(long pid);

    String exe(long pid);
  }

  private static final class Entry {
    final long pid;
    final long hold;
    final String exe;
    long parentPid;
    /**
     * The kept entry of the process that was its parent when linked: while that one lives the
     * parent pid cannot have changed (a process is reparented only when its parent exits).
     */
    Entry parent;

    Entry(long pid, long hold, String exe, long parentPid) {
      this.pid = pid;
      this.hold = hold;
      this.exe = exe;
      this.parentPid = parentPid;
    }
  }

  private final Entry[] table = new Entry[SLOTS];
  /** The holds asked about by {@link #letGoOfExited}, and which of them exited. */
  private final long[] sweptHolds = new long[SLOTS];
  private final boolean[] sweptGone = new boolean[SLOTS];
  /** A caller's hold and its parent's, asked about together by {@link #bothLive}. */
  private final long[] pairHolds = new long[2];
  private final boolean[] pairGone = new boolean[2];
  private final ProcessIdentity identity;
  private final Reader read;
  /** Where there is no /proc (macOS): the JDK asks the kernel, every time. */
  private final Function<Caller, CallerProcess> elsewhere;

  CallerProcesses(ProcessIdentity identity, Reader read) {
    this(identity, read, null);
  }

  private CallerProcesses(ProcessIdentity identity, Reader read, Function<Caller, CallerProcess> elsewhere) {
    this.identity = identity;
    this.read = read;
    this.elsewhere = elsewhere;
  }

  /** From {@code proc} (tests give a fake one), held by {@code identity}. */
  static CallerProcesses reading(Path proc, ProcessIdentity identity) {
    return new CallerProcesses(identity, new Reader() {
      @Override
      public long parentPid(long pid) {
        return CallerProcess.parentPid(proc, pid);
      }

      @Override
      public String exe(long pid) {
        return CallerProcess.exe(proc, pid);
      }
    });
  }

  /** This system's: /proc, kept under pidfds where Linux has them; the JDK's look-up where there is no /proc. */
  public static CallerProcesses forThisSystem() {
    Path proc = Path.of("/proc");
    if (ProcFiles.LINUX == null && !Files.isDirectory(proc)) {
      return new CallerProcesses(ProcessIdentity.NONE, null, CallerProcess::ofProcessHandle);
    }
    return reading(proc, ProcessIdentity.best());
  }

  /**
   * The program behind {@code caller} and its parent: as kept where their processes were read
   * before, else read now. The table is looked at under this object's lock, but /proc is read
   * outside it: a read that blocks (a caller's command line while its memory map is locked, a
   * stalled FUSE page fault) holds up that caller's thread only, not every caller's look-up. A
   * hold is polled or closed under the lock only, and only while its entry is in the table.
   */
  public CallerProcess of(Caller caller) {
    if (elsewhere != null) {
      return elsewhere.apply(caller);
    }
    long pid = caller.pid();
    if (pid <= 0) {
      return new CallerProcess(pid, CallerProcess.UNKNOWN, -1, CallerProcess.UNKNOWN);
    }
    Entry self;
    synchronized (this) {
      Entry both = bothLive(pid);
      if (both != null) {
        return new CallerProcess(pid, both.exe, both.parentPid, both.parent.exe);
      }
      self = kept(pid);
      if (self != null && self.parentPid != NOT_READ && alive(self.parent)) {
        return new CallerProcess(pid, self.exe, self.parentPid, self.parent.exe);
      }
    }
    String exe;
    long parentPid;
    if (self != null) {
      exe = self.exe;
      // Its parent was never linked, was let go, or exited: then it was given to init or a
      // subreaper, and the old parent's pid may be any other program's now. Read it again.
      parentPid = parentRead(self);
    } else {
      parentPid = read.parentPid(pid);
      exe = read.exe(pid);
      if (!exe.equals(CallerProcess.UNKNOWN) && !CallerProcess.isHelper(exe)) {
        self = keep(pid, true); // read again under its hold: what is kept is the held process's
        if (self != null) {
          exe = self.exe;
          parentPid = self.parentPid;
        }
      }
    }
    if (parentPid <= 0) {
      return new CallerProcess(pid, exe, parentPid, CallerProcess.UNKNOWN);
    }
    Entry parent = parent(parentPid);
    if (self != null && parent != null) {
      link(self, parent);
    }
    return new CallerProcess(pid, exe, parentPid, parent != null ? parent.exe : read.exe(parentPid));
  }

  /** A kept parent, else read and kept (a helper's parent calls again and again); null where it cannot be held. */
  private Entry parent(long pid) {
    Entry parent;
    synchronized (this) {
      parent = kept(pid);
    }
    return parent != null ? parent : keep(pid, false);
  }

  /**
   * Links {@code child} to the held {@code parent} only where the child's parent pid, read after
   * that hold was checked, is still the parent's: else the parent's pid was given to another
   * process between the reads, and the child is read again on its next call instead.
   */
  private void link(Entry child, Entry parent) {
    long now = read.parentPid(child.pid);
    synchronized (this) {
      if (now == parent.pid && alive(parent) && alive(child)) {
        child.parent = parent;
      }
    }
  }

  /** Whether {@code entry} is still kept (its hold open) and its process has not exited. Under the lock. */
  private boolean alive(Entry entry) {
    if (entry == null) {
      return false;
    }
    int first = slot(entry.pid);
    boolean held = table[first] == entry || table[first + 1] == entry; // a let-go entry's hold is closed
    return held && identity.holds(entry.pid, entry.hold);
  }

  /** The parent of a process first kept as a parent, read now that it calls itself; kept if it still lives. */
  private long parentRead(Entry entry) {
    long parentPid = read.parentPid(entry.pid);
    synchronized (this) {
      if (alive(entry)) {
        entry.parentPid = parentPid;
      }
    }
    return parentPid;
  }

  /**
   * The entry kept for {@code pid} where it and its linked parent are both in the table and both
   * alive, told by one call for the two ({@link ProcessIdentity#exited}: one poll of two pidfds,
   * where {@link #kept} and {@link #alive} made one each); null for anything else, which the
   * checks one by one then settle (and let go of what exited). Under the lock.
   */
  private Entry bothLive(long pid) {
    Entry self = inTable(pid);
    if (self == null || self.parentPid == NOT_READ || self.parent == null || !inTable(self.parent)) {
      return null;
    }
    pairHolds[0] = self.hold;
    pairHolds[1] = self.parent.hold;
    return identity.exited(pairHolds, 2, pairGone) && !pairGone[0] && !pairGone[1] ? self : null;
  }

  /** Whether {@code entry} itself is in the table (a let-go entry's hold is closed). Under the lock. */
  private boolean inTable(Entry entry) {
    int first = slot(entry.pid);
    return table[first] == entry || table[first + 1] == entry;
  }

  /** The entry in the table for {@code pid}, alive or not. Under the lock. */
  private Entry inTable(long pid) {
    int first = slot(pid);
    for (int at = first; at < first + 2; at++) {
      Entry entry = table[at];
      if (entry != null && entry.pid == pid) {
        return entry;
      }
    }
    return null;
  }

  /** The entry kept for {@code pid} while its process lives; a dead one's is let go. Under the lock. */
  private Entry kept(long pid) {
    int first = slot(pid);
    for (int at = first; at < first + 2; at++) {
      Entry entry = table[at];
      if (entry != null && entry.pid == pid) {
        if (identity.holds(pid, entry.hold)) {
          return entry;
        }
        identity.close(entry.hold); // exited: its pid may be another's now
        table[at] = null;
      }
    }
    return null;
  }

  /** Holds {@code pid}'s process, reads it, and keeps it if it lived through the read; null where not. */
  private Entry keep(long pid, boolean withParent) {
    long hold = identity.open(pid);
    if (hold == ProcessIdentity.UNKNOWN) {
      return null;
    }
    String exe = read.exe(pid);
    long parentPid = withParent ? read.parentPid(pid) : NOT_READ;
    if (exe.equals(CallerProcess.UNKNOWN) || !identity.holds(pid, hold)) {
      identity.close(hold); // vanished mid-way: what was read may be another's; not kept
      return null;
    }
    Entry entry = new Entry(pid, hold, exe, parentPid);
    synchronized (this) {
      letGoOfExited();
      int first = slot(pid);
      if (table[first + 1] != null) {
        identity.close(table[first + 1].hold); // the older of the pair makes room
      }
      table[first + 1] = table[first];
      table[first] = entry;
    }
    return entry;
  }

  /**
   * Lets go of every kept process that has exited, with one poll for all of them where pidfds
   * hold them: short-lived clients (a loop of `credagent list`) are never asked about again, and
   * their pidfds stayed open until pushed out, 64 descriptors of processes long gone (by hand: 64
   * of a daemon's 125 under prlimit, and accept ran out). Done when a process is kept, which
   * costs a pidfd and /proc reads already; never on a look-up that finds its process kept.
   */
  private void letGoOfExited() { // under the lock
    int count = 0;
    for (Entry entry : table) {
      if (entry != null) {
        sweptHolds[count++] = entry.hold;
      }
    }
    if (count == 0 || !identity.exited(sweptHolds, count, sweptGone)) {
      return;
    }
    int asked = 0;
    for (int at = 0; at < SLOTS; at++) {
      if (table[at] != null) {
        if (sweptGone[asked]) {
          identity.close(table[at].hold);
          table[at] = null;
        }
        asked++;
      }
    }
  }

  /** How many processes are kept (and held) now: never more than {@link #SLOTS}. */
  synchronized int kept() {
    int kept = 0;
    for (Entry entry : table) {
      kept += entry != null ? 1 : 0;
    }
    return kept;
  }

  private static int slot(long pid) {
    int hash = Long.hashCode(pid);
    return ((hash ^ (hash >>> 16)) & (SLOTS / 2 - 1)) * 2;
  }
}
