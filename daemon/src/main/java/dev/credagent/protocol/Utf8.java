package dev.credagent.protocol;

/**
 * Strict UTF-8 as RFC 3629 and Unicode's table 3-7 define it: no overlong forms ({@code C0 AF}
 * for '/'), no encoded surrogates ({@code ED A0 80}), nothing above U+10FFFF. Jackson and
 * {@code new String} accept or replace such bytes, so a server key {@code reg\xc0\xaf} could
 * match {@code reg/}: every outside input is checked here first.
 */
public final class Utf8 {
  private Utf8() {}

  /** The offset of the first byte that does not start or continue a well-formed sequence; -1 if none. */
  public static int firstMalformed(byte[] bytes) {
    int i = 0;
    while (i < bytes.length) {
      int lead = bytes[i] & 0xff;
      if (lead < 0x80) {
        i++;
        continue;
      }
      int length;
      int low = 0x80;
      int high = 0xbf;
      if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
      } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
      } else {
        return i;
      }
      if (i + length > bytes.length) {
        return i;
      }
      int second = bytes[i + 1] & 0xff;
      if (second < low || second > high) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        int next = bytes[i + k] & 0xff;
        if (next < 0x80 || next > 0xbf) {
          return i;
        }
      }
      i += length;
    }
    return -1;
  }
}
