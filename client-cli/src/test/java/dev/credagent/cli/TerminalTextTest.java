package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Nothing a client stored or sent can act on the terminal that shows it. */
class TerminalTextTest {
  @Test
  void controlCharactersBecomeVisible() {
    assertEquals("x\\x1b]0;TITLE\\x07\\x1b[2J\\x1b[8m", TerminalText.escape("x\u001b]0;TITLE\u0007\u001b[2J\u001b[8m"));
    assertEquals("x\\x0a2026-12-04T10:00:00Z get quay.io ok", TerminalText.escape("x\n2026-12-04T10:00:00Z get quay.io ok"));
    assertEquals("a\\x7fb\\x9bc\\x0d", TerminalText.escape("a\u007fb\u009bc\r"));
  }

  @Test
  void ordinaryTextPassesAsItIs() {
    String text = "ghcr.io/my-org/app  alice  café ✓";
    assertSame(text, TerminalText.escape(text));
  }
}
