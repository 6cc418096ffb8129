package dev.credagent.caller;

/**
 * Who asked: the peer of the connection a request came on, as the kernel says (SO_PEERCRED on
 * Linux; on macOS Netty's kqueue transport asks LOCAL_PEERCRED and LOCAL_PEERPID). Where no pid
 * is known it is {@link #UNKNOWN_PID}. The transport checks the uid; the service logs who locked
 * and unlocked, and the audit log says which program read which credential. {@code share}: the
 * share whose socket the request came on, which bounds what it may have; null on the daemon's own.
 * {@code terminal}: the requester's controlling terminal, as its helper said; null where none.
 * {@code cwd} and {@code profile}: where the requester runs and the profile it names (its
 * {@code --profile} or {@code CREDAGENT_PROFILE}), as its client said; null where it said none.
 * They only choose among the caller's own profiles ({@link ProfileTable}); a share ignores them.
 */
public record Caller(int uid, long pid, ShareScope share, String terminal, String cwd, String profile) {
  public static final long UNKNOWN_PID = -1;

  public Caller(int uid, long pid, ShareScope share, String terminal) {
    this(uid, pid, share, terminal, null, null);
  }

  public Caller(int uid, long pid) {
    this(uid, pid, null, null);
  }

  public Caller(int uid, long pid, ShareScope share) {
    this(uid, pid, share, null);
  }

  /**
   * The same caller, with the controlling terminal its program says it has ({@code /dev/pts/3}),
   * where a passphrase may be asked for (pinentry); the service checks that it is the caller's own.
   */
  public Caller withTerminal(String tty) {
    return tty == null ? this : new Caller(uid, pid, share, tty, cwd, profile);
  }

  /** The same caller, running in {@code cwd} and naming {@code profile} (either may be null). */
  public Caller at(String cwd, String profile) {
    return new Caller(uid, pid, share, terminal, cwd, profile);
  }

  /** A call from inside the daemon itself (housekeeping, tests). */
  public static Caller self() {
    return new Caller(-1, ProcessHandle.current().pid());
  }

  @Override
  public String toString() {
    return (pid == UNKNOWN_PID ? "uid " + uid : "pid " + pid) + (share == null ? "" : ", share " + share.name());
  }
}
