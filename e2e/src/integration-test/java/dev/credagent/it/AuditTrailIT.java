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
}
