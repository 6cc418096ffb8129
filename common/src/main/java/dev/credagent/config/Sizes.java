package dev.credagent.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size as a user writes it: {@code 4MiB}, {@code 512KiB}, {@code 1GiB}, or plain bytes. */
public final class Sizes {
  private Sizes() {}

  public static long parse(String text) {
    String value = text.strip();
    Matcher m = Pattern.compile("([0-9]{1,12})\\s*(|B|KiB|MiB|GiB)").matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (4MiB, 512KiB, 1GiB, or bytes)");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "kib" -> amount << 10;
      case "mib" -> amount << 20;
      case "gib" -> amount << 30;
      default -> amount;
    };
  }

  public static String format(long bytes) {
    if (bytes > 0 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    if (bytes > 0 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    return bytes > 0 && bytes % 1024 == 0 ? (bytes >> 10) + "KiB" : Long.toString(bytes);
  }
}
