package dev.credagent.audit;

/**
 * Which process a pid names right now, as a number a later process given the same pid cannot
 * have: what {@link CallerProcesses} keys a caller's facts by, so a reused pid is read anew.
 */
@FunctionalInterface
interface ProcessIdentity {
  /** No identity for this pid (gone, unreadable, or no source): its facts are read, never cached. */
  long UNKNOWN = 0;
  /** Nothing can be told: every caller is read from /proc, as before there was a cache. */
  ProcessIdentity NONE = pid -> UNKNOWN;

  /** The identity of the process that has {@code pid} now, or {@link #UNKNOWN}. */
  long of(long pid);

  /**
   * The cheapest source this system has: pidfs's inode (Linux 6.9+), else the start time from
   * /proc/PID/stat, else none.
   */
  static ProcessIdentity best() {
    Pidfs pidfs = Pidfs.LINUX;
    if (pidfs != null) {
      return pidfs;
    }
    return ProcFiles.LINUX != null ? StartTime.LINUX : NONE;
  }
}
