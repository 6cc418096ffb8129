package dev.credagent.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.service.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit budget under a share that wants to hide what it did (the adversarial round on item 9):
 * junk of its own, other shares' floods, and a kill -9 before the hour ends.
 */
class AuditBudgetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_BYTES = 4L << 20; // the default
  private static final CallerProcess SSHD = new CallerProcess(7, "/usr/sbin/sshd", 1, "/sbin/init");
  private static final CallerProcess TOOL = new CallerProcess(8, "/usr/bin/skopeo", 7, "/usr/sbin/sshd");
  private static final AuditLog.Served NONE = AuditLog.Served.NOTHING;
  @TempDir Path home;

  private final TestClock clock = new TestClock();

  private AuditLog log() {
    return new AuditLog(home.resolve(AuditLog.FILE_NAME), MAX_BYTES, clock, AuditBudget.forFiles(MAX_BYTES));
  }

  private static AuditLog.Served key(String key) {
    return new AuditLog.Served(key, List.of());
  }

  private int junkNames;

  /** Gets of names never asked before: none is collapsed as a repeat of the one before. */
  private void junk(AuditLog log, String share, int count) {
    for (int i = 0; i < count; i++) {
      log.record("get", "reg.example:5000/\u0007junk" + junkNames++ + "\u001b", SSHD, share, NONE, "not_found");
    }
  }

  @Test
  void aCredentialServedThroughAShareIsALineOfItsOwnHoweverMuchJunkTheShareSentBefore() throws Exception {
    AuditLog log = log();
    junk(log, "ci", 3_000);
    log.record("get", "reg.example:5000", TOOL, "ci", key("reg.example:5000/team/app"), "ok");
    log.record("get", "reg.example:5000", SSHD, "ci", key("reg.example:5000/team/app"), "ok"); // another program
    for (int i = 0; i < 100; i++) { // the same read again: counted, not a line each
      log.record("get", "reg.example:5000", TOOL, "ci", key("reg.example:5000/team/app"), "ok");
    }
    log.sync();

    List<JsonNode> reads = lines().stream().filter(l -> l.path("key").asText().equals("reg.example:5000/team/app")).toList();
    assertEquals(2, reads.size(), "one line per (share, key, program) this hour: " + reads);
    assertEquals("/usr/bin/skopeo", reads.get(0).path("exe").asText());
    assertEquals("ci", reads.get(0).path("share").asText());
    assertEquals("/usr/sbin/sshd", reads.get(1).path("exe").asText());
  }

  @Test
  void distinctReadsPastTheCapAreOneSummaryWithTheCountOfDistinctKeys() throws Exception {
    AuditLog log = log();
    junk(log, "ci", 3_000);
    int over = 50;
    for (int i = 0; i < AuditBudget.READS_PER_HOUR + over; i++) {
      log.record("get", "r" + i + ".example", TOOL, "ci", key("r" + i + ".example"), "ok");
    }
    log.close();

    List<JsonNode> lines = lines();
    assertEquals(AuditBudget.READS_PER_HOUR,
        lines.stream().filter(l -> l.path("key").asText().startsWith("r")).count(), "the capped distinct reads are lines");
    long keys = lines.stream().filter(l -> l.path("op").asText().equals("suppressed"))
        .mapToLong(l -> l.path("keys").asLong()).sum();
    assertEquals(over, keys, "the reads past the cap are said with their count of distinct keys: " + lines.getLast());
  }

  @Test
  void twoFloodingSharesLeaveAThirdShareItsOwnLines() throws Exception {
    AuditLog log = log();
    junk(log, "hostile-a", 3_000);
    junk(log, "hostile-b", 3_000);
    for (int i = 0; i < 3; i++) {
      log.record("get", "absent" + i + ".example", TOOL, "legit", NONE, "not_found");
    }
    log.sync();

    assertEquals(3, lines().stream().filter(l -> l.path("share").asText().equals("legit")
        && l.path("op").asText().equals("get")).count(), "the third share's lines of this hour");
  }

  @Test
  void whileAShareIsOverBudgetItsCountsReachTheFileEveryMinuteSoAKillLosesAtMostAMinute() throws Exception {
    AuditLog log = log();
    long recorded = 0;
    for (int second = 0; second < 3_600; second++) { // an hour of 5 junk gets a second
      junk(log, "ci", 5);
      recorded += 5;
      clock.advance(Duration.ofSeconds(1));
    }
    log.sync(); // and no close: the daemon is killed here

    List<JsonNode> lines = lines();
    long written = lines.stream().filter(l -> l.path("share").asText().equals("ci") && l.path("op").asText().equals("get")).count();
    List<JsonNode> summaries = lines.stream().filter(l -> l.path("op").asText().equals("suppressed")).toList();
    long said = summaries.stream().mapToLong(l -> l.path("suppressed").asLong()).sum();
    assertTrue(recorded - written - said <= 5 * 60, "counts lost to a kill: " + (recorded - written - said) + " of " + recorded);
    assertTrue(summaries.size() <= 61, "a bounded number of summaries an hour: " + summaries.size());
  }

  private List<JsonNode> lines() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(home)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith(AuditLog.FILE_NAME)).sorted().toList()) {
        for (String line : Files.readString(file).lines().toList()) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }
}
