package dev.credagent.audit;

import java.nio.file.Path;

/**
 * A hold on a process where there is no pidfd: its start time, field 22 of /proc/PID/stat, in
 * clock ticks since boot. With the pid it names one process: a later one given the same pid
 * started later, unless the pids wrapped around within one tick. Every look-up reads stat.
 */
final class StartTime implements ProcessIdentity {
  static final StartTime LINUX = new StartTime(Path.of("/proc"));
  /** The start time's field, counted from the state (field 3), the first after comm's last ')'. */
  private static final int FIELDS_AFTER_STATE = 22 - 3;

  private final Path proc;

  StartTime(Path proc) {
    this.proc = proc;
  }

  @Override
  public long open(long pid) {
    if (pid <= 0) {
      return UNKNOWN;
    }
    byte[] stat = new byte[CallerProcess.STAT_BYTES];
    int length = CallerProcess.readStat(proc, pid, stat);
    return CallerProcess.statField(stat, length, FIELDS_AFTER_STATE); // -1 (UNKNOWN) where gone or cut short
  }

  @Override
  public boolean holds(long pid, long hold) {
    return hold != UNKNOWN && open(pid) == hold;
  }

  @Override
  public void close(long hold) {
    // a number, nothing held
  }
}
