package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StdinSecretTest {
  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aPassphraseIsTheFirstLineWithoutItsEnding() throws Exception {
    assertArrayEquals("pass phrase".toCharArray(), StdinSecret.readLine(in("pass phrase\r\nsecond line\n")));
    assertArrayEquals("no newline".toCharArray(), StdinSecret.readLine(in("no newline")));
  }

  @Test
  void aSecretKeepsInnerNewlinesAndSpacesAndLosesOneTrailingNewline() throws Exception {
    assertArrayEquals(" a\nb 😀 \n".toCharArray(), StdinSecret.readAll(in(" a\nb 😀 \n\n")));
  }

  @Test
  void invalidUtf8IsRefusedNotMangled() {
    CliException e = assertThrows(CliException.class,
        () -> StdinSecret.readAll(new ByteArrayInputStream(new byte[] {(byte) 0xff, 'a'})));
    assertEquals(ExitCode.ERROR, e.exitCode());
  }
}
