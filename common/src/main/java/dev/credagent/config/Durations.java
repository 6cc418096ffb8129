package dev.credagent.config;

import java.time.Duration;
import java.util.Locale;

/**
 * A duration as a user writes it, in a config file, a TTL option or a source: {@code 90s},
 * {@code 30m}, {@code 12h}, {@code 1d}, plain seconds, or {@code 0} (which, for a TTL, means off).
 */
public final class Durations {
  private Durations() {}

  public static Duration parse(String text, Duration fallback) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    if (value.isEmpty()) {
      return fallback;
    }
    if (!value.matches("[0-9]{1,9}[smhd]?")) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (90s, 30m, 12h, 1d, or 0 for never)");
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

  /** The shortest way to write {@code d} back: {@code 1h}, {@code 90m}, {@code 45s}; {@code 0} for off. */
  public static String format(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return "0";
    }
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
