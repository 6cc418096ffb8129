package dev.credagent.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The helper's answers are byte for byte what docker-credential-helpers print: Go's json.Encoder,
 * whose string rules (encoding/json, appendString with escapeHTML) {@link #go} restates: {@code \"}
 * and {@code \\}; {@code \b \f \n \r \t}; any other byte below 0x20 as {@code \\u00XX} in lower-case
 * hex; {@code <}, {@code >}, {@code &} as {@code \\u003c}, {@code \\u003e}, {@code \\u0026}; U+2028 and
 * U+2029 escaped; everything else, DEL and non-ASCII included, as it is (UTF-8).
 */
class HelperResponseTest {
  /** Go's appendString(dst, s, escapeHTML=true), for a string that is valid Unicode. */
  static String go(String s) {
    String hex = "0123456789abcdef";
    StringBuilder out = new StringBuilder("\"");
    s.codePoints().forEach(c -> {
      switch (c) {
        case '\\', '"' -> out.append('\\').append((char) c);
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '<', '>', '&' -> out.append("\\u00").append(hex.charAt(c >> 4)).append(hex.charAt(c & 0xf));
        case 0x2028, 0x2029 -> out.append("\\u202").append(hex.charAt(c & 0xf));
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(hex.charAt(c >> 4)).append(hex.charAt(c & 0xf));
          } else {
            out.appendCodePoint(c);
          }
        }
      }
    });
    return out.append('"').toString();
  }

  private static String text(byte[] answer) {
    return new String(answer, StandardCharsets.UTF_8);
  }

  @Test
  void theOracleIsGosOwnOutput() {
    // Pinned from Go 1.22+'s json.Marshal, so that the oracle itself is checked.
    assertEquals("\"\\u003ctoken\\u003e\\u0026\\u001b[2J\\b\\f\\u2028\"", go("<token>&\u001b[2J\b\f\u2028"));
  }

  @Test
  void everyAsciiCharacterIsEscapedAsGoEscapesIt() {
    for (char c = 0; c < 0x80; c++) {
      String value = "a" + c + "b";
      assertEquals("{\"k\":" + go(value) + "}\n", text(HelperResponse.list(Map.of("k", value))),
          "character 0x" + Integer.toHexString(c));
    }
  }

  @Test
  void hostileNamesInAListStayOneJsonLine() {
    Map<String, String> servers = new LinkedHashMap<>();
    servers.put("https://r.example/\"},\"evil\":{\"", "u\u2028ser");
    servers.put("r.example\n\r\u0000", "<script>&amp;</script>");
    servers.put("日本.example:5000", "\u007f\u0085\u2029");
    String expected = "{" + go("https://r.example/\"},\"evil\":{\"") + ":" + go("u\u2028ser") + ","
        + go("r.example\n\r\u0000") + ":" + go("<script>&amp;</script>") + ","
        + go("日本.example:5000") + ":" + go("\u007f\u0085\u2029") + "}\n";
    assertEquals(expected, text(HelperResponse.list(servers)));
    assertEquals("{}\n", text(HelperResponse.list(Map.of())));
  }

  @Test
  void theSecretIsEscapedByTheSameRules() {
    String secret = "quo\"te\\ <a>&b \u001b\u0001\u001f \u2028\u2029 😀";
    Credential credential = new Credential("al<ice>", Secret.copyOf(secret.toCharArray(), 0, secret.length()));
    assertEquals("{\"ServerURL\":" + go("https://r.example/v1/?a=1&b=<2>") + ",\"Username\":" + go("al<ice>")
        + ",\"Secret\":" + go(secret) + "}\n",
        text(HelperResponse.credential("https://r.example/v1/?a=1&b=<2>", credential)));
  }

  /**
   * The hand-written answer is byte for byte the Jackson generator's (which the tests above hold to
   * Go's rules) for every ASCII character, 2- and 3-byte UTF-8, U+2028/U+2029, U+FFFF, and random
   * mixes of them, in each of the three fields; text with a surrogate, paired or lone, is Jackson's
   * own answer, quirks and all.
   */
  @Test
  void theHandWrittenAnswerIsJacksonsForAnyTextAndJacksonsOwnWithASurrogate() {
    StringBuilder every = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      every.append(c);
    }
    every.append("\u0080\u00e9\u07ff\u0800\u2027\u2028\u2029\u202a\ufffd\uffff");
    java.util.List<String> texts = new java.util.ArrayList<>(java.util.List.of("", "reg.example", every.toString(),
        "a\uD800b", "a\uDC00b", "x\uD800", "\uD83D\uDE00", "\uD800\uD800\uDC00"));
    java.util.Random random = new java.util.Random(32);
    String pool = every + "\uD83D\uDE00";
    for (int n = 0; n < 300; n++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(40); i > 0; i--) {
        text.append(pool.charAt(random.nextInt(pool.length())));
      }
      texts.add(text.toString());
    }
    for (String text : texts) {
      for (int field = 0; field < 3; field++) {
        String server = field == 0 ? text : "https://r.example/v1/";
        String username = field == 1 ? text : "alice";
        String secret = field == 2 ? text : "s3cret";
        byte[] byJackson = HelperResponse.credentialByJackson(server, credential(username, secret));
        org.junit.jupiter.api.Assertions.assertArrayEquals(byJackson, HelperResponse.credential(server, credential(username, secret)),
            "field " + field + ": " + text.chars().mapToObj(Integer::toHexString).toList());
      }
    }
  }

  private static Credential credential(String username, String secret) {
    return new Credential(username, Secret.copyOf(secret.toCharArray(), 0, secret.length()));
  }
}
