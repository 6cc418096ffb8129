package dev.credagent.cli;

/**
 * The CLI's name for {@link dev.credagent.prompt.TerminalText}: the one set of rules for text shown
 * to a person, shared with the daemon's pinentry prompt.
 */
public final class TerminalText {
  private TerminalText() {}

  public static String escape(String text) {
    return dev.credagent.prompt.TerminalText.escape(text);
  }
}
