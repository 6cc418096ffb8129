package dev.credagent.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Assuan's escaping both ways, and which terminals a prompt may go to. */
class PinentryTest {
  @Test
  void theAnswerIsDecodedAsAssuanEncodesIt() {
    byte[] line = "D se%25cr%0At-\u2713".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals("se%cr\nt-\u2713".toCharArray(), Pinentry.unescape(line, 2));
    assertEquals("100%25%0Asure", Pinentry.escape("100%\nsure"));
  }

  @Test
  void onlyADeviceOfTheCallersOwnIsATerminalToAskOn() {
    assertFalse(Pinentry.usableTerminal("/dev/tty", 0), "the daemon's own terminal, whoever asks");
    assertFalse(Pinentry.usableTerminal("/etc/passwd", 0), "not a device");
    assertFalse(Pinentry.usableTerminal("/dev/../etc/passwd", 0));
    assertFalse(Pinentry.usableTerminal("relative", 0));
    assertFalse(Pinentry.usableTerminal("/dev/null", 0), "a device, but no terminal");
    assertFalse(Pinentry.usableTerminal("/dev/pts/999999", 0), "no such terminal");
  }

  @Test
  void offOrAMissingProgramMeansNoPrompt() {
    assertEquals(Optional.empty(), Pinentry.of("off", "/usr/bin:/bin"));
    assertEquals(Optional.empty(), Pinentry.of("/nonexistent/pinentry", "/usr/bin"));
    assertEquals(Optional.empty(), Pinentry.of("auto", "/nonexistent"));
  }
}
