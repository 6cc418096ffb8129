package dev.credagent.failure;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The stable, machine-readable half of an error answer; scripts switch on these strings. Each also
 * says the audit log's outcome (its wire name) and the exit code of the command that met it; the
 * README's exit-code table and {@code credagent --help} are made from, and tested against, {@link
 * #exitCodes}.
 */
public enum ErrorCode {
  /** The vault holds no key: run {@code credagent unlock}. */
  LOCKED("locked", 3),
  /** No credential for that server. */
  NOT_FOUND("not_found", 4),
  /** Wrong passphrase. */
  UNAUTHORIZED("unauthorized", 5),
  /** A registry (or its token server) refused a login; the message names it and what it answered. */
  LOGIN_FAILED("login_failed", 1),
  /** A token was asked of a registry that uses Basic authentication (or none): it needs none. */
  NO_TOKEN("no_token", 1),
  /** A credential source failed (its exit code, a timeout); the message names it and its stderr's first line. */
  SOURCE_FAILED("source_failed", 1),
  /** The request came through a share, which never serves this op (Op.Share.NEVER). */
  FORBIDDEN("forbidden", 1),
  /** The request is not valid JSON, or lacks a field, or a field has the wrong type. */
  BAD_REQUEST("bad_request", 1),
  /** The {@code op} is not one this daemon knows. */
  UNKNOWN_OP("unknown_op", 1),
  /** The {@code v} is not a protocol version this daemon speaks. */
  UNSUPPORTED_VERSION("unsupported_version", 1),
  /** The request line is longer than the daemon accepts. */
  TOO_LARGE("too_large", 1),
  /**
   * The daemon is at a limit (every connection busy, or too much unfinished input held across
   * connections): try again.
   */
  BUSY("busy", 1),
  /** A request did not arrive in full within the deadline; the connection is closed. */
  TIMEOUT("timeout", 1),
  /** Something failed inside the daemon (disk full, unreadable vault); the message says what. */
  INTERNAL("internal", 1);

  /** The exit codes scripts can rely on: 0, 1 and 2 for every command, then those of these codes that have their own. */
  public static final int OK = 0;
  public static final int ERROR = 1;
  public static final int USAGE = 2;

  private final String wire;
  private final int exitCode;

  ErrorCode(String wire, int exitCode) {
    this.wire = wire;
    this.exitCode = exitCode;
  }

  public String wire() {
    return wire;
  }

  /** The exit code of a command (or a helper's {@code get}) that this answered. */
  public int exitCode() {
    return exitCode;
  }

  /** Every exit code with what it means, in order: the table of the README and of {@code --help}. */
  public static SortedMap<Integer, String> exitCodes() {
    SortedMap<Integer, String> codes = new TreeMap<>();
    codes.put(OK, "done");
    codes.put(ERROR, "an error; the one-line message says which");
    codes.put(USAGE, "the command line is wrong");
    codes.put(LOCKED.exitCode, "the vault is locked: run `credagent unlock`");
    codes.put(NOT_FOUND.exitCode, "no credentials are stored for that server");
    codes.put(UNAUTHORIZED.exitCode, "wrong passphrase");
    return codes;
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
