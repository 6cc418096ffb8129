package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.audit.AuditBudget;
import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.vault.Credential;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29, item 9: 40,000 not-found gets of distinct names through a share rotated every line
 * out of the audit files, the owner's unlocks with them. With each origin on a budget, a week of
 * such floods, from a share and from junk on the owner's socket, leaves every owner line of the
 * last seven days, and says what it did not write, per origin and hour.
 */
class AuditFloodTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long PID = ProcessHandle.current().pid();
  private static final Caller ME = new Caller(1000, PID);
  private static final Caller SHARE =
      new Caller(1000, PID, new ShareScope("ci", List.of(RegistryPattern.parse("ghcr.io/org-c/"))));
  private static final long MAX_BYTES = 256 * 1024;
  @TempDir Path home;

  @Test
  void aWeekOfFloodsFromAShareAndJunkLeavesEveryOwnerLineOfTheLastSevenDays() throws Exception {
    TestClock clock = new TestClock();
    AuditLog log = new AuditLog(home.resolve(AuditLog.FILE_NAME), MAX_BYTES, clock, AuditBudget.forFiles(MAX_BYTES));
    AgentConfig neverLocks = new AgentConfig(Duration.ZERO, Duration.ZERO, MAX_BYTES);
    CredentialService service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run, Runnable::run, null, () -> neverLocks, log);
    List<String> owners = new ArrayList<>(); // "time op server" of each owner line, as it should be in the files
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.store(ME, "ghcr.io/org-c/app", new Credential("bot", TestKdf.secret("s3cret"))).join();
    int flood = 0;
    for (int hour = 0; hour < 9 * 24; hour++) {
      if (hour % 24 == 0) {
        service.lock(ME);
        owners.add(clock.instant() + " lock -");
        service.unlock(ME, TestKdf.secret("pw")).join();
        owners.add(clock.instant() + " unlock -");
      }
      service.get(ME, RegistryReference.parse("ghcr.io/org-c/app")).join().secret().destroy();
      owners.add(clock.instant() + " get ghcr.io/org-c/app");
      for (int i = 0; i < 200; i++, flood++) {
        service.get(SHARE, RegistryReference.parse("ghcr.io/org-c/n" + flood)).exceptionally(e -> null).join(); // not_found, each name new
        service.get(ME, RegistryReference.parse("x".repeat(RequestLimits.MAX_SERVER_CHARS + 1 + i))).exceptionally(e -> null).join(); // junk
      }
      clock.advance(Duration.ofHours(1));
    }
    for (int i = 0; i < 40_000; i++, flood++) { // and the flood of the report, at once
      service.get(SHARE, RegistryReference.parse("ghcr.io/org-c/n" + flood)).exceptionally(e -> null).join();
    }
    service.get(ME, RegistryReference.parse("ghcr.io/org-c/app")).join().secret().destroy();
    owners.add(clock.instant() + " get ghcr.io/org-c/app");
    log.close();

    List<JsonNode> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(home)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith(AuditLog.FILE_NAME)).toList()) {
        Files.readString(file).lines().map(AuditFloodTest::json).forEach(lines::add);
      }
    }
    Instant weekAgo = clock.instant().minus(AuditBudget.HISTORY);
    List<String> kept = lines.stream().filter(l -> !l.has("share") && !l.path("outcome").asText().equals("bad_request")
        && !l.path("op").asText().equals("suppressed"))
        .map(l -> l.path("time").asText() + " " + l.path("op").asText() + " " + l.path("server").asText("-")).toList();
    List<String> lastWeek = owners.stream().filter(o -> !Instant.parse(o.split(" ")[0]).isBefore(weekAgo)).toList();
    assertTrue(lastWeek.size() > 7 * 24, "the week had its owner lines: " + lastWeek.size());
    assertEquals(List.of(), lastWeek.stream().filter(o -> !kept.contains(o)).toList(), "owner lines of the last week lost");

    long shareSuppressed = lines.stream().filter(l -> l.path("op").asText().equals("suppressed")
        && l.path("share").asText().equals("ci")).mapToLong(l -> l.path("suppressed").asLong()).sum();
    long shareWritten = lines.stream().filter(l -> l.path("share").asText().equals("ci")
        && l.path("op").asText().equals("get")).count();
    assertTrue(shareSuppressed > 40_000, "the share's flood is said in summaries: " + shareSuppressed);
    assertTrue(shareWritten > 0, "the share's first lines of each hour are written");
    JsonNode summary = lines.stream().filter(l -> l.path("op").asText().equals("suppressed")
        && l.path("share").asText().equals("ci")).findFirst().orElseThrow();
    assertTrue(summary.path("outcome").asText().matches("[0-9]+ more lines over this origin's budget suppressed: get not_found [0-9]+"),
        summary.toString());
    assertTrue(lines.stream().anyMatch(l -> l.path("op").asText().equals("suppressed")
        && l.path("origin").asText().equals("junk")), "junk on the owner's socket has its own budget and summary");
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }
}
