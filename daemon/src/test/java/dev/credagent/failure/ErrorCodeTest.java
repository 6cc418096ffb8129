package dev.credagent.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The error codes as scripts see them: docs/protocol.md's table and the wire names are this enum. */
class ErrorCodeTest {
  /**
   * docs/protocol.md's "code | meaning | CLI exit" table has one row per code, in this enum's
   * order, with the exit code the CLI exits with (the README's exit-code table is checked by
   * client-cli's FailureTest against {@link ErrorCode#exitCodes}).
   */
  @Test
  void theProtocolDocsTableIsThisEnum() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "protocol.md"));
    Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)` \\| .+ \\| ([0-9]+) \\|$").matcher(doc);
    Map<String, Integer> documented = new LinkedHashMap<>();
    while (row.find()) {
      documented.put(row.group(1), Integer.parseInt(row.group(2)));
    }
    Map<String, Integer> codes = Arrays.stream(ErrorCode.values())
        .collect(Collectors.toMap(ErrorCode::wire, ErrorCode::exitCode, (a, b) -> a, LinkedHashMap::new));
    assertEquals(codes, documented);
  }

  @Test
  void aCodeFromALaterVersionIsReadAsInternal() {
    for (ErrorCode code : ErrorCode.values()) {
      assertSame(code, ErrorCode.fromWire(code.wire()));
    }
    assertSame(ErrorCode.INTERNAL, ErrorCode.fromWire("quota_exceeded"));
    assertSame(ErrorCode.INTERNAL, ErrorCode.fromWire("LOCKED")); // wire names are exact, lower case
    assertSame(ErrorCode.INTERNAL, ErrorCode.fromWire(""));
    assertSame(ErrorCode.INTERNAL, ErrorCode.fromWire(null)); // an error answer without a code
  }
}
