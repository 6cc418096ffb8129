package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header's rule is {@code split(" ", -1)}; parse finds the fixed fields with indexOf and must agree with it everywhere. */
class RelayHeaderTest {
  /** The rule as it was written before: the whole header split, then the same checks in the same order. */
  private static String bySplit(String header) {
    try {
      String[] parts = header.split(" ", -1);
      if (!header.startsWith(RelayHeader.MAGIC) || parts.length < 3) {
        throw new IllegalArgumentException("not a relay header");
      }
      HeaderAttributes attributes;
      try {
        attributes = HeaderAttributes.parse(Arrays.asList(parts).subList(3, parts.length));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a relay header: " + e.getMessage());
      }
      int length = BoundedDecoder.parseLength(parts[2], RelayHeader.MAX_INPUT_BYTES, "relay", "relayed input");
      return parts[1] + "|" + length + "|" + attributes.asMap();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static String parsed(String header) {
    try {
      RelayHeader parsed = RelayHeader.parse(header);
      return parsed.action() + "|" + parsed.length() + "|" + parsed.attributes().asMap();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  @Test
  void parseAgreesWithSplittingTheWholeHeader() {
    String m = RelayHeader.MAGIC;
    List<String> headers = List.of(m + "get 11", m + "get 11 ", m + "get  11", m + " get 11", m + "get", m + "get ",
        m + " ", m, m.trim(), "", " ", "credential-helper/2 get 11", "xcredential-helper/1 get 11", m + "get 11 cwd=/tmp",
        m + "get 11 cwd=/tmp ", m + "get 11  cwd=/tmp", m + "get 11 cwd=%2Fa%20b profile=work", m + "get 11 path=/x",
        m + "get 11 cwd=/a cwd=/b", m + "get 11 =x", m + "get 11 cwd", m + "get -1", m + "get x", m + "get 99999999999",
        m + "get 1048577", m + "get 1048576", m + "get 011", m + "get +1", m + "store 0", m + " 0", m + "get\t11",
        m + "get 11 cwd=%zz", m + "é 1");
    for (String header : headers) {
      assertEquals(bySplit(header), parsed(header), "[" + header + "]");
    }
  }
  /**
   * Hostile headers made at random from the pieces that matter (single and doubled spaces, tabs,
   * NUL, non-ASCII, signs and leading zeros, huge lengths, attributes without '=', repeated and
   * unknown ones): the indexOf parse and the old split judge every one the same, value or refusal.
   */
  @Test
  void parseAgreesWithSplittingForRandomHostileHeaders() {
    String[] pieces = {" ", " ", "  ", "\t", "\u0000", "\u00e9", "\uFFFD", "get", "store", "", "0", "11", "011", "+1", "-0",
        "-1", "1048577", "99999999999999999999", "cwd=/tmp", "cwd=", "cwd", "=x", "profile=work", "profile=w%20k",
        "tty=/dev/pts/1", "tty=/etc/passwd", "cwd=%00", "x=y", "cwd=%zz", "credential-helper/1"};
    java.util.Random random = new java.util.Random(6);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder header = new StringBuilder(random.nextInt(8) == 0 ? "" : RelayHeader.MAGIC);
      for (int i = random.nextInt(9); i > 0; i--) {
        header.append(pieces[random.nextInt(pieces.length)]);
      }
      assertEquals(bySplit(header.toString()), parsed(header.toString()), "[" + header + "]");
    }
  }
}
