package dev.credagent.protocol;

/** The stable, machine-readable half of an error answer; scripts switch on these strings. */
public enum ErrorCode {
  /** The vault holds no key: run {@code credagent unlock}. */
  LOCKED("locked"),
  /** No credential for that server. */
  NOT_FOUND("not_found"),
  /** Wrong passphrase. */
  UNAUTHORIZED("unauthorized"),
  /** A registry (or its token server) refused a login; the message names it and what it answered. */
  LOGIN_FAILED("login_failed"),
  /** A token was asked of a registry that uses Basic authentication (or none): it needs none. */
  NO_TOKEN("no_token"),
  /** A credential source failed (its exit code, a timeout); the message names it and its stderr's first line. */
  SOURCE_FAILED("source_failed"),
  /** The request came through a share, which serves get and token only. */
  FORBIDDEN("forbidden"),
  /** The request is not valid JSON, or lacks a field, or a field has the wrong type. */
  BAD_REQUEST("bad_request"),
  /** The {@code op} is not one this daemon knows. */
  UNKNOWN_OP("unknown_op"),
  /** The {@code v} is not a protocol version this daemon speaks. */
  UNSUPPORTED_VERSION("unsupported_version"),
  /** The request line is longer than the daemon accepts. */
  TOO_LARGE("too_large"),
  /**
   * The daemon is at a limit (every connection busy, or too much unfinished input held across
   * connections): try again.
   */
  BUSY("busy"),
  /** A request did not arrive in full within the deadline; the connection is closed. */
  TIMEOUT("timeout"),
  /** Something failed inside the daemon (disk full, unreadable vault); the message says what. */
  INTERNAL("internal");

  private final String wire;

  ErrorCode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The code a client reads; one it does not know (a later version's) is {@link #INTERNAL}. */
  public static ErrorCode fromWire(String wire) {
    for (ErrorCode code : values()) {
      if (code.wire.equals(wire)) {
        return code;
      }
    }
    return INTERNAL;
  }
}
