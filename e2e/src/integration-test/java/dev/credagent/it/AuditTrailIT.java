package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The audit trail against a hostile client: a server name that forges a line, one that drives the
 * terminal, and a burst of megabyte-long names cannot wipe, forge or attack what `credagent log`
 * and `list` show.
 */
class AuditTrailIT {
  @Test
  void hostileServerNamesAreRefusedBoundedAndNeverReachTheTerminalRaw() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock("pw");
      agent.credagent("s\n", "store", "ghcr.example", "-u", "alice").requireSuccess();
      agent.credagent("", "get", "ghcr.example").requireSuccess();
      String junk = "a".repeat(3 << 20);
      try (RawConnection raw = new RawConnection(agent.socket())) {
        for (int i = 0; i < 3; i++) {
          String answer = raw.request("{\"v\":1,\"op\":\"get\",\"server\":\"ghcr.example/org-a/" + junk + "\"}");
          assertTrue(answer.contains("\"bad_request\"") && answer.length() < 1000, answer.substring(0, Math.min(300, answer.length())));
        }
        String forged = raw.request("{\"v\":1,\"op\":\"get\",\"server\":\"x\\n2026-12-04T10:00:00Z get quay.io ok pid 4242\"}");
        assertTrue(forged.contains("\"bad_request\""), forged);
        String terminal = raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"x\\u001b]0;TITLE\\u0007\\u001b[2J\","
            + "\"username\":\"u\",\"secret\":\"s\"}");
        assertTrue(terminal.contains("\"bad_request\""), terminal);
      }
      String audit = Files.readString(agent.home().resolve("audit.log"));
      assertTrue(audit.length() < 10_000, "bounded: " + audit.length() + " bytes");
      assertTrue(audit.contains("\"server\":\"ghcr.example\""), "the real get is still there");
      assertTrue(audit.contains("\"repeated\":2") || audit.lines().filter(l -> l.contains("refused: ")).count() <= 3, audit);

      Run log = agent.credagent("", "log");
      assertEquals(0, log.exitCode(), log.stderr());
      assertFalse(log.stdout().contains("\u001b") || log.stdout().contains("\u0007"), log.stdout());
      assertFalse(log.stdout().lines().anyMatch(line -> line.startsWith("2026-12-04T10:00:00Z")), "no forged line");
      assertTrue(log.stdout().lines().anyMatch(line -> line.contains(" get ") && line.contains("ghcr.example")), log.stdout());
      String list = agent.credagent("", "list").requireSuccess().stdout();
      assertFalse(list.contains("\u001b"), list);
    }
  }

  /**
   * Issue 29, item 9: 40,000 gets of distinct names that are not there, through a share, rotated
   * every line out of the audit files, the owner's unlock with them. Now the share writes only its
   * budget, the rest is one summary line, and the owner's lines are all still there.
   */
  @Test
  void aFloodOfDistinctGetsThroughAShareLeavesTheOwnersLines() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      java.nio.file.Path config = agent.root().resolve("config.toml");
      Files.writeString(config, "audit-max-size = \"64KiB\"\n"); // five files of 64 KiB: 40,000 lines fill them 30 times
      agent.env().put("CREDAGENT_CONFIG", config.toString());
      agent.unlock("pw");
      agent.credagent("s\n", "store", "ghcr.example/org-c/app", "-u", "alice").requireSuccess();
      agent.credagent("", "get", "ghcr.example/org-c/app").requireSuccess();
      java.nio.file.Path share = java.nio.file.Path.of(agent.credagent("", "share", "--print-path", "--registry",
          "ghcr.example/org-c/").requireSuccess().stdout().strip());
      int flood = 40_000;
      try (RawConnection raw = new RawConnection(share)) {
        java.util.concurrent.CompletableFuture<Long> notFound = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          long count = 0;
          try {
            for (int i = 0; i < flood; i++) {
              count += raw.readLine().contains("\"not_found\"") ? 1 : 0;
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return count;
        });
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < flood; i++) {
          batch.append("{\"v\":1,\"op\":\"get\",\"server\":\"ghcr.example/org-c/n").append(i).append("\"}\n");
          if (batch.length() > 60_000 || i == flood - 1) {
            raw.send(batch.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            batch.setLength(0);
          }
        }
        assertEquals(flood, notFound.get(120, java.util.concurrent.TimeUnit.SECONDS), "every get was answered not_found");
        // and then a read of the owner's credential, which the flood must not hide in a count
        raw.send("{\"v\":1,\"op\":\"get\",\"server\":\"ghcr.example/org-c/app\"}\n"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(raw.readLine().contains("alice"), "the share served the credential");
      }
      long daemon = agent.daemonPid();
      agent.credagent("", "stop").requireSuccess(); // the hour's summary is written as the daemon stops
      // stop returns once the socket is gone, before the daemon has closed the audit log: wait for its exit
      ProcessHandle.of(daemon).ifPresent(p -> p.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join());

      StringBuilder all = new StringBuilder();
      try (java.util.stream.Stream<java.nio.file.Path> files = Files.list(agent.home())) {
        for (java.nio.file.Path file : files.filter(f -> f.getFileName().toString().startsWith("audit.log")).toList()) {
          all.append(Files.readString(file));
        }
      }
      java.util.List<String> lines = all.toString().lines().toList();
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"op\":\"unlock\"") && !l.contains("\"share\"")), "the owner's unlock is kept");
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"op\":\"store\"") && l.contains("ghcr.example/org-c/app")), "and the store");
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"op\":\"get\"") && l.contains("\"server\":\"ghcr.example/org-c/app\"")
          && !l.contains("\"share\"")), "and the owner's get");
      long written = lines.stream().filter(l -> l.contains("\"op\":\"get\"") && l.contains("\"share\"")
          && l.contains("\"not_found\"")).count();
      assertTrue(written < 100, "the share wrote only its budget: " + written + " lines");
      java.util.List<String> summaries = lines.stream().filter(l -> l.contains("\"op\":\"suppressed\"")).toList();
      assertTrue(summaries.stream().allMatch(l -> l.contains("get not_found")), summaries.toString());
      long said = summaries.stream() // one line, or one a minute when the flood was slow
          .mapToLong(l -> Long.parseLong(l.replaceAll(".*\"suppressed\":([0-9]+).*", "$1"))).sum();
      assertEquals(flood - written, said, "the rest is said in summary lines: " + summaries);
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"op\":\"get\"") && l.contains("\"share\"")
          && l.contains("\"key\":\"ghcr.example/org-c/app\"") && l.contains("\"outcome\":\"ok\"")),
          "the share's read of the owner's credential is a line of its own, naming the key");
    }
  }
}
