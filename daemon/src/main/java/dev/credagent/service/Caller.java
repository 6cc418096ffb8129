package dev.credagent.service;

import dev.credagent.prompt.DisplaySession;

/**
 * Who asked: the peer of the connection a request came on, as the kernel says (SO_PEERCRED on
 * Linux; on macOS Netty's kqueue transport asks LOCAL_PEERCRED and LOCAL_PEERPID). Where no pid
 * is known it is {@link #UNKNOWN_PID}. The transport checks the uid; the service logs who locked
 * and unlocked, and the audit log says which program read which credential. {@code share}: the
 * share whose socket the request came on, which bounds what it may have; null on the daemon's own.
 * {@code terminal}: the requester's controlling terminal, as its helper said; null where none.
 * {@code display}: its graphical session, as its helper said ({@link DisplaySession#NONE}: none).
 * {@code gone}: completes when the requester's connection closes (Ctrl-C at a prompt); null: never.
 */
public record Caller(int uid, long pid, ShareScope share, String terminal, DisplaySession display,
    java.util.concurrent.CompletionStage<Void> gone) {
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
    this(uid, pid, share, terminal, DisplaySession.NONE, null);
  }

  /**
   * The same caller, with the controlling terminal its program says it has ({@code /dev/pts/3}),
   * where a passphrase may be asked for (pinentry); the service checks that it is the caller's own.
   */
  public Caller withTerminal(String tty) {
    return tty == null ? this : new Caller(uid, pid, share, tty, display, gone);
  }

  /**
   * The same caller, with where its program says a passphrase may be asked ({@code tty}, a
   * display; each checked by the service to be the caller's own) and when its connection closed.
   */
  public Caller withPromptPlaces(String tty, DisplaySession display, java.util.concurrent.CompletionStage<Void> gone) {
    return new Caller(uid, pid, share, tty, display, gone);
  }

  /** The same caller, asked nothing more (after its prompt ended). */
  public Caller withoutPrompt() {
    return new Caller(uid, pid, share, null, DisplaySession.NONE, null);
  }

  /** Whether its program named a terminal or a display, where a passphrase might be asked. */
  public boolean mayBeAsked() {
    return terminal != null || !display.isEmpty();
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
