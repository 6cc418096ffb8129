package dev.credagent.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LineTimeTest {
  /** Instant.toString is the oracle, in every shape its fraction takes and across seconds, back and forth. */
  @Test
  void writesWhatInstantToStringWrites() {
    List<Instant> instants = new ArrayList<>(List.of(
        Instant.parse("2026-12-05T02:10:11Z"),
        Instant.parse("2026-12-05T02:10:11.100Z"),
        Instant.parse("2026-12-05T02:10:11.000100Z"),
        Instant.parse("2026-12-05T02:10:11.000000100Z"),
        Instant.parse("2026-12-05T02:10:11.999999999Z"),
        Instant.parse("2026-12-05T02:10:11.000000001Z"),
        Instant.parse("2026-12-05T02:10:11.010Z"),
        Instant.parse("2026-12-05T02:10:10.5Z"), // a second back
        Instant.parse("2026-12-31T23:59:59.999Z"),
        Instant.parse("2027-01-01T00:00:00Z"),
        Instant.parse("1970-01-01T00:00:00.000001Z"),
        Instant.parse("1969-12-31T23:59:59.5Z"),
        Instant.parse("+10000-01-01T00:00:00.25Z"),
        Instant.EPOCH, Instant.MIN, Instant.MAX));
    SplittableRandom random = new SplittableRandom(22);
    long start = Instant.parse("2026-12-05T00:00:00Z").getEpochSecond();
    for (int i = 0; i < 10_000; i++) {
      int nano = switch (i % 4) {
        case 0 -> random.nextInt(1_000) * 1_000_000;
        case 1 -> random.nextInt(1_000_000) * 1_000;
        case 2 -> random.nextInt(1_000_000_000);
        default -> 0;
      };
      instants.add(Instant.ofEpochSecond(start + random.nextInt(4), nano)); // the same few seconds, revisited
    }
    LineTime time = new LineTime();
    byte[] line = new byte[3 + LineTime.MAX_BYTES + 3];
    for (Instant instant : instants) {
      assertEquals(instant.toString(), time.format(instant));
      // As the audit's hand-written line takes it: in place, after what the line holds, and not one byte beyond.
      java.util.Arrays.fill(line, (byte) '#');
      int end = time.write(instant, line, 3);
      assertEquals("###" + instant + "#".repeat(line.length - end),
          new String(line, java.nio.charset.StandardCharsets.US_ASCII));
    }
  }
}
