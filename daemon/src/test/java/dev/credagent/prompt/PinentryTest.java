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
        assertNull(silent.ask((String) null, "d", "p", null)); // no terminal: a real one's modes are not touched
      } catch (java.io.IOException ended) {
        assertTrue(ended.getMessage().contains("ended the conversation"), ended.getMessage());
      }
    });
  }

  /**
   * Issue 30, item 3: Ctrl-C at the prompt killed the client, but the pinentry kept the terminal
   * for its minute, echo off, reading the next line typed. When the requester goes away the
   * pinentry's whole process group goes at once, a child it started included.
   */
  @Test
  void aPromptWhoseRequesterWentAwayEndsAtOnce(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("pinentry-waits");
    java.nio.file.Files.writeString(script, """
        #!/bin/sh
        echo "OK pleased to meet you"
        sleep 600 &
        echo $! > "$(dirname "$0")/child.tmp" && mv "$(dirname "$0")/child.tmp" "$(dirname "$0")/child"
        while IFS= read -r line; do
          case "$line" in
            GETPIN) wait ;;
            *) echo OK ;;
          esac
        done
        """);
    java.nio.file.Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Pinentry waiting = Pinentry.of(script.toString(), null).orElseThrow(); // its minute: far beyond this test
    java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      while (!java.nio.file.Files.exists(dir.resolve("child"))) {
        Thread.onSpinWait();
      }
      gone.complete(null); // the client's connection closed
    });
    long started = System.nanoTime();
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () ->
        assertNull(waiting.ask(new Pinentry.Place(null, DisplaySession.NONE, gone), "d", "p", null)));
    assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(5), "ended at once, not at its minute");
    long child = Long.parseLong(java.nio.file.Files.readString(dir.resolve("child")).strip());
    java.util.Optional<ProcessHandle> left = ProcessHandle.of(child);
    assertTrue(left.isEmpty() || !left.get().isAlive() || left.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS) != null,
        "the pinentry's child outlived it");
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
