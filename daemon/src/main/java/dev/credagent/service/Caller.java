package dev.credagent.service;

/**
 * Who asked: the peer of the connection a request came on, as the kernel says (SO_PEERCRED on
 * Linux; on macOS getpeereid gives the uid only, and the pid is {@link #UNKNOWN_PID}). The
 * transport checks the uid; the service logs who locked and unlocked, and the audit log will
 * say which program read which credential.
 */
public record Caller(int uid, long pid) {
  public static final long UNKNOWN_PID = -1;

  /** A call from inside the daemon itself (housekeeping, tests). */
  public static Caller self() {
    return new Caller(-1, ProcessHandle.current().pid());
  }

  @Override
  public String toString() {
    return pid == UNKNOWN_PID ? "uid " + uid : "pid " + pid;
  }
}
