package dev.credagent.audit;

import java.nio.file.Path;

/**
 * A process's identity where there is no pidfs: its start time, field 22 of /proc/PID/stat, in
 * clock ticks since boot. With the pid (the cache's other half of the key) it names one process:
 * a later one given the same pid started later, unless the pids wrapped around within one tick.
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
  public long of(long pid) {
    if (pid <= 0) {
      return UNKNOWN;
    }
    byte[] stat = new byte[CallerProcess.STAT_BYTES];
    int length = CallerProcess.readStat(proc, pid, stat);
    long ticks = CallerProcess.statField(stat, length, FIELDS_AFTER_STATE);
    return ticks < 0 ? UNKNOWN : ticks + 1; // + 1: a start at tick 0 (the first processes) is not UNKNOWN
  }
}
