package dev.credagent.caller;

import dev.credagent.prompt.DisplaySession;
import java.util.concurrent.CompletionStage;

/**
 * Who asked: the peer of the connection a request came on, as the kernel says (SO_PEERCRED on
 * Linux; on macOS Netty's kqueue transport asks LOCAL_PEERCRED and LOCAL_PEERPID). Where no pid
 * is known it is {@link #UNKNOWN_PID}. The transport checks the uid; the service logs who locked
 * and unlocked, and the audit log says which program read which credential. {@code share}: the
 * share whose socket the request came on, which bounds what it may have; null on the daemon's own.
 * {@code terminal}: the requester's controlling terminal, as its helper said; null where none.
 * {@code display}: its graphical session, as its helper said ({@link DisplaySession#NONE}: none).
 * {@code gone}: completes when the requester's connection closes (Ctrl-C at a prompt); null: never.
 * {@code cwd} and {@code profile}: where the requester runs and the profile it names (its
 * {@code --profile} or {@code CREDAGENT_PROFILE}), as its client said; null where it said none.
 * They only choose among the caller's own profiles (the service's ProfileTable); a share ignores them.
 */
public record Caller(int uid, long pid, ShareScope share, String terminal, DisplaySession display,
    CompletionStage<Void> gone, String cwd, String profile) {
  public static final long UNKNOWN_PID = -1;

  public Caller {
    display = display == null ? DisplaySession.NONE : display;
  }

  public Caller(int uid, long pid) {
    this(uid, pid, null, null);
  }

  public Caller(int uid, long pid, ShareScope share) {
    this(uid, pid, share, null);
  }

  public Caller(int uid, long pid, ShareScope share, String terminal) {
    this(uid, pid, share, terminal, DisplaySession.NONE, null, null, null);
  }

  /**
   * The same caller, with the controlling terminal its program says it has ({@code /dev/pts/3}),
   * where a passphrase may be asked for (pinentry); the service checks that it is the caller's own.
   */
  public Caller withTerminal(String tty) {
    return tty == null ? this : new Caller(uid, pid, share, tty, display, gone, cwd, profile);
  }

  /**
   * The same caller, with where its program says a passphrase may be asked ({@code tty}, a
   * display; each checked by the service to be the caller's own) and when its connection closed.
   */
  public Caller withPromptPlaces(String tty, DisplaySession display, CompletionStage<Void> gone) {
    return new Caller(uid, pid, share, tty, display, gone, cwd, profile);
  }

  /** The same caller, asked nothing more (after its prompt ended). */
  public Caller withoutPrompt() {
    return new Caller(uid, pid, share, null, DisplaySession.NONE, null, cwd, profile);
  }

  /** Whether its program named a terminal or a display, where a passphrase might be asked. */
  public boolean mayBeAsked() {
    return terminal != null || !display.isEmpty();
  }

  /** The same caller, running in {@code cwd} and naming {@code profile} (either may be null). */
  public Caller at(String cwd, String profile) {
    return new Caller(uid, pid, share, terminal, display, gone, cwd, profile);
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
