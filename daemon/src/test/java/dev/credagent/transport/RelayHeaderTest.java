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
}
