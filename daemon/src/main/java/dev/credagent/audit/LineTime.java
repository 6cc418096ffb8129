package dev.credagent.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An audit line's time, exactly as {@link Instant#toString} writes it (ISO-8601 in UTC, the
 * fraction of a second in groups of three digits, none when it is zero), with the date and the
 * time of day formatted once per second instead of once per line: {@code DateTimeFormatter} was a
 * third of the cost of writing a line. Not thread-safe: the log's lock guards it.
 */
final class LineTime {
  private long second = Long.MIN_VALUE;
  /** {@code 2026-12-05T02:10:11}: the instant's second without its zone. */
  private String upToSecond;

  String format(Instant instant) {
    if (instant.getEpochSecond() != second) {
      String whole = instant.truncatedTo(ChronoUnit.SECONDS).toString();
      upToSecond = whole.substring(0, whole.length() - 1); // less its Z
      second = instant.getEpochSecond();
    }
    int nano = instant.getNano();
    if (nano == 0) {
      return upToSecond + "Z";
    }
    int digits;
    int fraction;
    if (nano % 1_000_000 == 0) {
      digits = 3;
      fraction = nano / 1_000_000;
    } else if (nano % 1_000 == 0) {
      digits = 6;
      fraction = nano / 1_000;
    } else {
      digits = 9;
      fraction = nano;
    }
    StringBuilder text = new StringBuilder(upToSecond.length() + 11).append(upToSecond).append('.');
    String figures = Integer.toString(fraction);
    text.repeat('0', digits - figures.length());
    return text.append(figures).append('Z').toString();
  }
}
