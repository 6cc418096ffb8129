package dev.credagent.source;

import java.time.Duration;

/** A source's TTL as a user writes it: {@code 90s}, {@code 30m}, {@code 12h}, {@code 1d}, or plain seconds. */
public final class SourceDurations {
  private SourceDurations() {}

  public static Duration parse(String text, Duration fallback) {
    String value = text.strip().toLowerCase(java.util.Locale.ROOT);
    if (value.isEmpty()) {
      return fallback;
    }
    if (!value.matches("[0-9]{1,9}[smhd]?")) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (90s, 30m, 12h, 1d)");
    }
    char unit = Character.isDigit(value.charAt(value.length() - 1)) ? 's' : value.charAt(value.length() - 1);
    long amount = Long.parseLong(value.replaceAll("[smhd]$", ""));
    return switch (unit) {
      case 'm' -> Duration.ofMinutes(amount);
      case 'h' -> Duration.ofHours(amount);
      case 'd' -> Duration.ofDays(amount);
      default -> Duration.ofSeconds(amount);
    };
  }
}
