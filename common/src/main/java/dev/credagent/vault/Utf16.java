package dev.credagent.vault;

/**
 * Whether text is well-formed UTF-16: every surrogate in its pair. A lone one (a JSON
 * {@code \\ud800} escape without its pair) has no UTF-8 and cannot be given back as it came. One
 * rule for a secret's characters ({@link Secret#wellFormed}) and for the names stored beside it.
 */
public final class Utf16 {
  private Utf16() {}

  public static boolean wellFormed(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
