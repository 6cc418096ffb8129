package dev.credagent.helper;

/**
 * JSON strings as Go's json.Encoder writes them (escapeHTML), by hand, for text with no UTF-16
 * surrogate: {@code \"} and {@code \\}; {@code \b \f \n \r \t}; any other character below 0x20,
 * and {@code <}, {@code >}, {@code &}, as {@code \\u00xx} in lower-case hex; U+2028 and U+2029
 * escaped; everything else as its UTF-8. The helper's get answers with such strings on every call,
 * and a Jackson generator made for each answer (its context, recycler and buffers, 1.5 KB) was a
 * tenth of the daemon's work per connection. Text with a surrogate is not written here: Jackson's
 * way with a lone one is its own, and {@link HelperResponse} keeps it for those.
 */
final class GoJsonStrings {
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** Per ASCII character: 0 written as it is, 'u' as {@code \\u00xx}, else the letter after a backslash. */
  private static final byte[] ESCAPE = new byte[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPE[c] = 'u';
    }
    ESCAPE['\b'] = 'b';
    ESCAPE['\f'] = 'f';
    ESCAPE['\n'] = 'n';
    ESCAPE['\r'] = 'r';
    ESCAPE['\t'] = 't';
    ESCAPE['"'] = '"';
    ESCAPE['\\'] = '\\';
    ESCAPE['<'] = 'u';
    ESCAPE['>'] = 'u';
    ESCAPE['&'] = 'u';
  }

  private GoJsonStrings() {}

  // Arrays, not CharSequence: under C1 each charAt of an interface was a call through a stub.

  /** Whether {@code text} can be written here: it holds no surrogate, paired or not. */
  static boolean plain(char[] text) {
    for (char c : text) {
      if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The bytes {@code text} takes as a JSON string, its quotes included. */
  static int length(char[] text) {
    int bytes = 2;
    for (char c : text) {
      if (c < 0x80) {
        byte escape = ESCAPE[c];
        bytes += escape == 0 ? 1 : escape == 'u' ? 6 : 2;
      } else if (c < 0x800) {
        bytes += 2;
      } else {
        bytes += c == 0x2028 || c == 0x2029 ? 6 : 3;
      }
    }
    return bytes;
  }

  /** Writes {@code text} as a JSON string at {@code at}, which has {@link #length} bytes of room; where it ends. */
  static int write(char[] text, byte[] out, int at) {
    out[at++] = '"';
    for (char c : text) {
      if (c < 0x80) {
        byte escape = ESCAPE[c];
        if (escape == 0) {
          out[at++] = (byte) c;
        } else if (escape == 'u') {
          at = unicode(c, out, at);
        } else {
          out[at++] = '\\';
          out[at++] = escape;
        }
      } else if (c < 0x800) {
        out[at++] = (byte) (0xc0 | c >> 6);
        out[at++] = (byte) (0x80 | c & 0x3f);
      } else if (c == 0x2028 || c == 0x2029) {
        at = unicode(c, out, at);
      } else {
        out[at++] = (byte) (0xe0 | c >> 12);
        out[at++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[at++] = (byte) (0x80 | c & 0x3f);
      }
    }
    out[at++] = '"';
    return at;
  }

  /** {@code \\uxxxx} in lower-case hex. */
  private static int unicode(char c, byte[] out, int at) {
    out[at++] = '\\';
    out[at++] = 'u';
    out[at++] = HEX[c >> 12];
    out[at++] = HEX[c >> 8 & 0xf];
    out[at++] = HEX[c >> 4 & 0xf];
    out[at++] = HEX[c & 0xf];
    return at;
  }

  /** Writes {@code bytes} as they are (a field's name and its punctuation); where they end. */
  static int raw(byte[] bytes, byte[] out, int at) {
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }
}
