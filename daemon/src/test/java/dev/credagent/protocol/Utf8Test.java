package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Defect 7: only well-formed UTF-8 gets in. */
class Utf8Test {
  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void wellFormedTextPasses() {
    assertEquals(-1, Utf8.firstMalformed("reg/ unicodé 日本 😀 \u0000 \uffff".getBytes(StandardCharsets.UTF_8)));
    assertEquals(-1, Utf8.firstMalformed(bytes(0xf4, 0x8f, 0xbf, 0xbf))); // U+10FFFF
    assertEquals(-1, Utf8.firstMalformed(bytes(0xed, 0x9f, 0xbf)));       // U+D7FF, just below the surrogates
  }

  @Test
  void overlongFormsAreRefused() {
    assertEquals(3, Utf8.firstMalformed(bytes('r', 'e', 'g', 0xc0, 0xaf))); // '/' in two bytes
    assertEquals(0, Utf8.firstMalformed(bytes(0xc1, 0xbf)));
    assertEquals(0, Utf8.firstMalformed(bytes(0xe0, 0x80, 0xaf)));
    assertEquals(0, Utf8.firstMalformed(bytes(0xf0, 0x80, 0x80, 0xaf)));
  }

  @Test
  void encodedSurrogatesAndCodePointsBeyondUnicodeAreRefused() {
    assertEquals(0, Utf8.firstMalformed(bytes(0xed, 0xa0, 0x80)));       // U+D800
    assertEquals(0, Utf8.firstMalformed(bytes(0xed, 0xbf, 0xbf)));       // U+DFFF
    assertEquals(0, Utf8.firstMalformed(bytes(0xf4, 0x90, 0x80, 0x80))); // U+110000
    assertEquals(0, Utf8.firstMalformed(bytes(0xf5, 0x80, 0x80, 0x80)));
    assertEquals(0, Utf8.firstMalformed(bytes(0xff)));
  }

  @Test
  void strayAndTruncatedSequencesAreRefused() {
    assertEquals(1, Utf8.firstMalformed(bytes('a', 0x80)));
    assertEquals(1, Utf8.firstMalformed(bytes('a', 0xe6, 0x97)));
    assertEquals(0, Utf8.firstMalformed(bytes(0xe6, 'a', 0xa5)));
  }
}
