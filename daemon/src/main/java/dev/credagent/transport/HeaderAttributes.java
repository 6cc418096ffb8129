package dev.credagent.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The optional {@code KEY=VALUE} attributes after a native frame's fixed fields (both framings:
 * {@code credential-helper/1 ACTION LENGTH[ KEY=VALUE]...} and {@code credagent/1 LENGTH[ KEY=VALUE]...}).
 * {@link Key} is the one table of keys on this side (helper-shim's agent_socket.c holds the C
 * copy); a key not in it, a key twice, or a value not strictly percent-encoded refuses the whole
 * frame. The C side encodes every byte outside {@code [A-Za-z0-9/._:,+@-]} as {@code %XX}
 * (upper-case hex), so a value keeps its spaces, '=', '%', newlines and non-ASCII.
 */
public final class HeaderAttributes {
  /** A frame's header, attributes included: PATH_MAX of cwd and the display's environment fit. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** The keys a header may carry; anything else is refused (an old daemon refused {@code path=} too). */
  public enum Key {
    /** The requester's controlling terminal, {@code /dev/...}: where a pinentry may ask. */
    TTY("tty"),
    DISPLAY("display"),
    WAYLAND_DISPLAY("wayland-display"),
    XAUTHORITY("xauthority"),
    SESSION_TYPE("session-type"),
    DBUS("dbus"),
    CWD("cwd"),
    PROFILE("profile");

    private final String wire;

    Key(String wire) {
      this.wire = wire;
    }

    /** The key as it stands in a header. */
    public String wire() {
      return wire;
    }

    static Key of(String wire) {
      for (Key key : values()) {
        if (key.wire.equals(wire)) {
          return key;
        }
      }
      return null;
    }
  }

  public static final HeaderAttributes NONE = new HeaderAttributes(new EnumMap<>(Key.class));

  private static final Pattern KEY = Pattern.compile("[a-z][a-z-]*");
  private static final Pattern TERMINAL = Pattern.compile("/dev/[\\x21-\\x7e]{1,200}");
  private static final String PLAIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._:,+@-";
  private static final String HEX = "0123456789ABCDEF";

  private final Map<Key, String> values;

  private HeaderAttributes(Map<Key, String> values) {
    this.values = values;
  }

  /** The attribute of {@code key}, decoded, or null where the header had none. */
  public String get(Key key) {
    return values.get(key);
  }

  /** The requester's terminal ({@code tty=}), or null. */
  public String terminal() {
    return get(Key.TTY);
  }

  /** The requester's graphical session, as its helper named it (checked where a prompt is made). */
  public dev.credagent.prompt.DisplaySession display() {
    return new dev.credagent.prompt.DisplaySession(get(Key.DISPLAY), get(Key.WAYLAND_DISPLAY), get(Key.XAUTHORITY),
        get(Key.SESSION_TYPE), get(Key.DBUS));
  }

  /**
   * {@code caller} with where its program says it may be asked for a passphrase, and {@code gone}
   * completing when its connection ends: a prompt for it ends then (Ctrl-C at the prompt).
   */
  dev.credagent.caller.Caller promptPlaces(dev.credagent.caller.Caller caller,
      java.util.concurrent.CompletionStage<Void> gone) {
    return caller.withPromptPlaces(terminal(), display(), gone);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** Every attribute the header had, decoded. */
  public Map<Key, String> asMap() {
    return Map.copyOf(values);
  }

  /**
   * The attributes of a header's {@code fields} (what follows its fixed fields, split at single
   * spaces); an {@link IllegalArgumentException} says why they are refused, never echoing a value
   * (nor a key that is not of the key alphabet).
   */
  static HeaderAttributes parse(List<String> fields) {
    if (fields.isEmpty()) {
      return NONE;
    }
    EnumMap<Key, String> values = new EnumMap<>(Key.class);
    for (String field : fields) {
      int equals = field.indexOf('=');
      String name = equals < 0 ? field : field.substring(0, equals);
      if (!KEY.matcher(name).matches()) {
        throw new IllegalArgumentException("a header field that is not KEY=VALUE");
      }
      Key key = Key.of(name);
      if (key == null) {
        throw new IllegalArgumentException("unknown header attribute '" + name + "'");
      }
      if (equals < 0) {
        throw new IllegalArgumentException("header attribute '" + name + "' without a value");
      }
      if (values.containsKey(key)) {
        throw new IllegalArgumentException("header attribute '" + name + "' given twice");
      }
      String value = decode(name, field.substring(equals + 1));
      if (key == Key.TTY && !TERMINAL.matcher(value).matches()) {
        throw new IllegalArgumentException("header attribute 'tty' is not a terminal under /dev");
      }
      values.put(key, value);
    }
    return new HeaderAttributes(values);
  }

  /** Strict percent-decoding: plain bytes of the set, or %XX; the bytes UTF-8, non-empty, no NUL. */
  static String decode(String name, String encoded) {
    if (encoded.isEmpty()) {
      throw new IllegalArgumentException("header attribute '" + name + "' is empty");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (PLAIN.indexOf(c) >= 0) {
        bytes.write(c);
        continue;
      }
      int high = c == '%' ? hex(encoded, i + 1) : -1;
      int low = high < 0 ? -1 : hex(encoded, i + 2);
      if (low < 0) {
        throw new IllegalArgumentException("header attribute '" + name + "' is not percent-encoded");
      }
      int b = high * 16 + low;
      if (b == 0) {
        throw new IllegalArgumentException("header attribute '" + name + "' holds a NUL byte");
      }
      bytes.write(b);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("header attribute '" + name + "' is not UTF-8");
    }
  }

  private static int hex(String text, int at) {
    return at < text.length() ? HEX.indexOf(text.charAt(at)) : -1;
  }

  /** The C side's encoding, for tests and for the Java side's own frames. */
  static String encode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0 && PLAIN.indexOf((char) b) >= 0) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX.charAt((b >> 4) & 0xf)).append(HEX.charAt(b & 0xf));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "attributes " + values.keySet(); // never the values: a path or display says who and where
  }
}
