package dev.credagent.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assuan's escaping both ways, and which terminals a prompt may go to. */
class PinentryTest {
  @Test
  void theAnswerIsDecodedAsAssuanEncodesIt() {
    byte[] line = "D se%25cr%0At-\u2713".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals("se%cr\nt-\u2713".toCharArray(), Pinentry.unescape(line, 2));
    assertEquals("100%25%0Asure", Pinentry.escape("100%\nsure"));
  }

  /**
   * Issue 29, item 13: a caller's program named with ESC sequences retitled the terminal, cleared it
   * and coloured the prompt through pinentry-tty, which writes what it is told as it is. What the
   * pinentry hears is escaped as `log` escapes (TerminalText): no control character reaches it.
   */
  @Test
  void noControlCharacterOfACallersNameReachesThePinentry(@TempDir Path dir) throws Exception {
    Pinentry pinentry = AssuanScript.cancelling(dir);
    String hostile = "evil\u001b]0;PWNED\u0007\u001b[2J\u001b[31m\u009b1m (pid 42) wants the login for r\u001b[8m.example";
    assertNull(pinentry.ask("/dev/pts/0", hostile, "Passphrase\u001b[5m:", "Wrong\u0007 passphrase"), "cancelled");
    List<String> heard = AssuanScript.heard(dir);
    for (String line : heard) {
      assertFalse(line.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)), "a control character reached the pinentry: " + TerminalText.escape(line));
    }
    assertTrue(heard.contains("SETDESC evil\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31m\\x9b1m (pid 42) wants the login for r\\x1b[8m.example"),
        heard.toString());
    assertTrue(heard.contains("SETPROMPT Passphrase\\x1b[5m:"), heard.toString());
    assertTrue(heard.contains("SETERROR Wrong\\x07 passphrase"), heard.toString());
  }

  /**
   * The minute a question may stay open bounded only the wait for the answer (GETPIN): a pinentry
   * that never sent its greeting, or never answered an OPTION, held the prompt, and with it every
   * later passphrase request of the daemon, for ever. The whole conversation is bounded now.
   */
  @Test
  void aPinentryThatNeverSpeaksIsGivenUpWithinTheBound(@TempDir Path dir) throws Exception {
    Pinentry silent = AssuanScript.silent(dir).answeringWithin(java.time.Duration.ofMillis(300));
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
      try {
        assertNull(silent.ask("/dev/pts/0", "d", "p", null));
      } catch (java.io.IOException ended) {
        assertTrue(ended.getMessage().contains("ended the conversation"), ended.getMessage());
      }
    });
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
