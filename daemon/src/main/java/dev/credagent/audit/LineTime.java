package dev.credagent.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An audit line's time, exactly as {@link Instant#toString} writes it (ISO-8601 in UTC, the
 * fraction of a second in groups of three digits, none when it is zero), with the date and the
 * time of day formatted once per second instead of once per line: {@code DateTimeFormatter} was a
 * third of the cost of writing a line. Not thread-safe: the log's lock guards it.
 */
final class LineTime {
  /** The most bytes an instant takes: {@code +1000000000-12-31T23:59:59.999999999Z} is 38. */
  static final int MAX_BYTES = 40;

  private long second = Long.MIN_VALUE;
  /** {@code 2026-12-05T02:10:11}: the instant's second without its zone, in ASCII. */
  private byte[] upToSecond;

  String format(Instant instant) {
    byte[] text = new byte[MAX_BYTES];
    return new String(text, 0, write(instant, text, 0), StandardCharsets.US_ASCII);
  }

  /**
   * Writes what {@link #format} returns, as ASCII bytes, into {@code out} from {@code at} (room for
   * {@link #MAX_BYTES} there); where they end. The audit's hand-written line takes them so, without
   * a String, a builder and the fraction's digits as a String of their own per line.
   */
  int write(Instant instant, byte[] out, int at) {
    if (instant.getEpochSecond() != second) {
      String whole = instant.truncatedTo(ChronoUnit.SECONDS).toString();
      upToSecond = whole.substring(0, whole.length() - 1).getBytes(StandardCharsets.US_ASCII); // less its Z
      second = instant.getEpochSecond();
    }
    System.arraycopy(upToSecond, 0, out, at, upToSecond.length);
    at += upToSecond.length;
    int nano = instant.getNano();
    if (nano != 0) {
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
      out[at++] = '.';
      for (int i = at + digits - 1; i >= at; i--) { // int arithmetic: C1 calls the runtime for a long's
        out[i] = (byte) ('0' + fraction % 10);
        fraction /= 10;
      }
      at += digits;
    }
    out[at++] = 'Z';
    return at;
  }
}
