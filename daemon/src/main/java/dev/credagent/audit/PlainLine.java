package dev.credagent.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * An audit line's object written by hand, byte for byte what {@link AuditLog#write} has Jackson
 * write (its default escapes: {@code \"}, {@code \\}, {@code \b \t \f \n \r}, any other character
 * below 0x20 as {@code \\u00XX} in upper-case hex, everything else as its UTF-8) when no text in it
 * holds a UTF-16 surrogate; a line with one is Jackson's, whose way with a lone surrogate is its
 * own. Jackson's generator, per-character under C1, was a tenth of the daemon's work per helper
 * call. One per log, under its lock: it keeps one buffer, which grows to the longest line.
 */
final class PlainLine {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
  /** Per ASCII character: 0 written as it is, 'u' as {@code \\u00XX}, else the letter after a backslash. */
  private static final byte[] ESCAPE = new byte[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPE[c] = 'u';
    }
    ESCAPE['\b'] = 'b';
    ESCAPE['\t'] = 't';
    ESCAPE['\f'] = 'f';
    ESCAPE['\n'] = 'n';
    ESCAPE['\r'] = 'r';
    ESCAPE['"'] = '"';
    ESCAPE['\\'] = '\\';
  }

  private static final byte[] TIME = ascii("{\"time\":");
  private static final byte[] OP = ascii(",\"op\":");
  private static final byte[] SERVER = ascii(",\"server\":");
  private static final byte[] PID = ascii(",\"pid\":");
  private static final byte[] EXE = ascii(",\"exe\":");
  private static final byte[] PPID = ascii(",\"ppid\":");
  private static final byte[] PARENT_EXE = ascii(",\"parentExe\":");
  private static final byte[] SHARE = ascii(",\"share\":");
  private static final byte[] KEY = ascii(",\"key\":");
  private static final byte[] SCOPE = ascii(",\"scope\":");
  private static final byte[] PROFILE = ascii(",\"profile\":");
  private static final byte[] OUTCOME = ascii(",\"outcome\":");
  private static final byte[] REPEATED = ascii(",\"repeated\":");

  private byte[] out = new byte[512];
  /** Each text's characters, copied out of its String at once (an intrinsic), then read as an array: charAt was a call per character under C1. */
  private char[] chars = new char[256];
  private int at;

  /**
   * Appends the line's object (no newline) to {@code to}, the fields in {@link AuditLog#write}'s
   * order; false, with nothing appended, where a text holds a surrogate: Jackson's line then.
   */
  boolean write(ByteArrayOutputStream to, LineTime time, Instant now, String op, String server, CallerProcess caller,
      String share, AuditLog.Served served, String outcome, long repeats) {
    at = 0;
    time(time, now);
    boolean plain = text(OP, op) && (server == null || text(SERVER, server))
        && number(PID, caller.pid()) && text(EXE, caller.exe()) && number(PPID, caller.parentPid())
        && text(PARENT_EXE, caller.parentExe()) && (share == null || text(SHARE, share))
        && (served.key() == null || text(KEY, served.key()))
        && (served.scopes().isEmpty() || text(SCOPE, String.join(" ", served.scopes())))
        && (served.profile() == null || text(PROFILE, served.profile())) && text(OUTCOME, outcome)
        && (repeats <= 0 || number(REPEATED, repeats));
    if (!plain) {
      return false;
    }
    room(1);
    out[at++] = '}';
    to.write(out, 0, at);
    return true;
  }

  /** The time field, first: {@code now} as {@code time} writes it (ASCII digits and punctuation: nothing to escape). */
  private void time(LineTime time, Instant now) {
    room(TIME.length + LineTime.MAX_BYTES + 2);
    System.arraycopy(TIME, 0, out, at, TIME.length);
    at += TIME.length;
    out[at++] = '"';
    at = time.write(now, out, at);
    out[at++] = '"';
  }

  /** {@code name} (the field's name and punctuation), then {@code value} as a JSON string; false at a surrogate. */
  private boolean text(byte[] name, String value) {
    int length = value.length();
    if (chars.length < length) {
      chars = new char[Math.max(2 * chars.length, length)];
    }
    value.getChars(0, length, chars, 0);
    room(name.length + 6 * length + 2);
    byte[] out = this.out; // locals, not fields, in the loop: C1 keeps them in registers
    char[] in = this.chars;
    int at = this.at;
    System.arraycopy(name, 0, out, at, name.length);
    at += name.length;
    out[at++] = '"';
    for (int i = 0; i < length; i++) {
      char c = in[i];
      if (c < 0x80) {
        byte escape = ESCAPE[c];
        if (escape == 0) {
          out[at++] = (byte) c;
        } else if (escape == 'u') {
          out[at++] = '\\';
          out[at++] = 'u';
          out[at++] = '0';
          out[at++] = '0';
          out[at++] = HEX[c >> 4];
          out[at++] = HEX[c & 0xf];
        } else {
          out[at++] = '\\';
          out[at++] = escape;
        }
      } else if (c < 0x800) {
        out[at++] = (byte) (0xc0 | c >> 6);
        out[at++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isSurrogate(c)) {
        return false;
      } else {
        out[at++] = (byte) (0xe0 | c >> 12);
        out[at++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[at++] = (byte) (0x80 | c & 0x3f);
      }
    }
    out[at++] = '"';
    this.at = at;
    return true;
  }

  /** {@code name}, then {@code value} in decimal, as Jackson writes a long. */
  private boolean number(byte[] name, long value) {
    room(name.length + 20);
    System.arraycopy(name, 0, out, at, name.length);
    at += name.length;
    if (value < -Integer.MAX_VALUE || value > Integer.MAX_VALUE) { // no pid is, nor a count: the JDK's digits
      for (byte digit : ascii(Long.toString(value))) {
        out[at++] = digit;
      }
      return true;
    }
    int small = (int) value; // int arithmetic: C1 compiles a long's division and remainder as calls into the runtime
    if (small < 0) {
      out[at++] = '-';
      small = -small;
    }
    int digits = 1;
    for (int rest = small / 10; rest > 0; rest /= 10) {
      digits++;
    }
    for (int i = at + digits - 1; i >= at; i--) {
      out[i] = (byte) ('0' + small % 10);
      small /= 10;
    }
    at += digits;
    return true;
  }

  private void room(int bytes) {
    if (at + bytes > out.length) {
      out = java.util.Arrays.copyOf(out, Math.max(2 * out.length, at + bytes));
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
