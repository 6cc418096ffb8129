package dev.credagent.audit;

/**
 * A hold on one process, which a later process given the same pid cannot pass for: what {@link
 * CallerProcesses} keeps a process's facts under, so a reused pid is read anew.
 */
interface ProcessIdentity {
  /** No hold could be had (gone, unreadable, or no source): the facts are read, never kept. */
  long UNKNOWN = -1;
  /** Nothing can be told: every caller is read from /proc, as before there was a cache. */
  ProcessIdentity NONE = new ProcessIdentity() {
    @Override
    public long open(long pid) {
      return UNKNOWN;
    }

    @Override
    public boolean holds(long pid, long hold) {
      return false;
    }

    @Override
    public void close(long hold) {
      // nothing was opened
    }
  };

  /** A hold on the process that has {@code pid} now, or {@link #UNKNOWN}. */
  long open(long pid);

  /** Whether {@code pid} still names the process {@code hold} was opened on (it has not exited). */
  boolean holds(long pid, long hold);

  /** Lets {@code hold} go: the process is no longer kept. */
  void close(long hold);

  /**
   * Marks in {@code gone} which of the first {@code count} of {@code holds} are on processes that
   * have exited, where one call tells for all (pidfds: one poll); false, marking nothing, where
   * it cannot (a start time is a /proc read per hold, and holds no descriptor worth letting go).
   */
  default boolean exited(long[] holds, int count, boolean[] gone) {
    return false;
  }

  /**
   * The cheapest source this system has: a pidfd (Linux 5.3+), which says when its process has
   * exited and so when its pid may name another; else the start time from /proc/PID/stat; else none.
   */
  static ProcessIdentity best() {
    Pidfs pidfs = Pidfs.LINUX;
    if (pidfs != null) {
      return pidfs;
    }
    return ProcFiles.LINUX != null ? StartTime.LINUX : NONE;
  }
}
