package dev.credagent.doctor;

/** One line of {@code credagent doctor}: all well, or what is wrong with its fix. */
public record Finding(boolean ok, String text) {
  static Finding ok(String text) {
    return new Finding(true, text);
  }

  static Finding fault(String text) {
    return new Finding(false, text);
  }

  /** As doctor prints it: {@code ok    ...} or {@code FAIL  ...}. */
  public String line() {
    return (ok ? "ok    " : "FAIL  ") + text;
  }
}
