package dev.credagent.prompt;

/**
 * What the CLI prints for a person: text from elsewhere (a server name a client sent, a username,
 * a message that names them, a line of the audit log) with every control character made visible,
 * so that nothing a client stored can move the cursor, retitle the window, hide text or forge a
 * line. C0 controls, DEL and C1 controls become {@code \xHH}; everything else passes as it is.
 * The CLI's output ({@code log}, {@code list}, ...) and the pinentry prompt (which shows a caller's
 * program name and the server it asked for) use these same rules.
 */
public final class TerminalText {
  private TerminalText() {}

  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      if (control && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (control) {
        out.append(String.format("\\x%02x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }
}
