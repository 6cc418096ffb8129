package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** An acknowledged store survives kill -9 of the daemon at any moment, and the vault stays whole. */
@Order(2) // among the longest classes: started first, not left to hold the run's end
class DurabilityIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void acknowledgedStoresSurviveKillNineDuringABurst() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.seedVault("pw"); // six unlocks: in microseconds, not a second each
      int total = 0;
      // Kill at a different moment each round: early, mid-burst, late.
      for (long killAfterMillis : new long[] {40, 170, 420}) {
        Process daemon = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").contains("\"ok\":true"));
        }
        AtomicInteger acknowledged = new AtomicInteger();
        int base = total;
        CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> storeUntilCut(agent, base, acknowledged));
        // From the first acknowledged store on (on a loaded machine the first may take longer than 40 ms).
        long firstAck = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (acknowledged.get() == 0 && System.nanoTime() < firstAck) {
          Thread.sleep(1);
        }
        Thread.sleep(killAfterMillis);
        daemon.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        daemon.waitFor(10, TimeUnit.SECONDS);
        burst.get(10, TimeUnit.SECONDS);
        total = base + acknowledged.get();
        assertTrue(acknowledged.get() > 0, "the burst had stored something before the kill");

        Process verifier = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").contains("\"ok\":true"),
              "the vault still opens after the kill");
          JsonNode list = JSON.readTree(raw.request("{\"v\":1,\"op\":\"list\"}")).path("credentials");
          for (int i = 0; i < total; i++) {
            assertEquals("u" + i, list.path("server-" + i).asText(), "acknowledged store " + i + " survived");
          }
          assertTrue(list.size() <= total + 1, "at most the one unacknowledged store in flight landed too");
        }
        verifier.destroyForcibly();
        verifier.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void sigtermAnswersTheStoresItTookKeepsEveryAcknowledgedOneAndRemovesItsSocket() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.seedVault("pw");
      Process daemon = agent.startForegroundDaemon();
      int sent = 300;
      StringBuilder pipelined = new StringBuilder();
      for (int i = 0; i < sent; i++) {
        pipelined.append("{\"v\":1,\"op\":\"store\",\"server\":\"s-").append(i)
            .append("\",\"username\":\"u").append(i).append("\",\"secret\":\"x\"}\n");
      }
      java.util.List<String> answers = new java.util.ArrayList<>();
      try (RawConnection raw = new RawConnection(agent.socket())) {
        assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").contains("\"ok\":true"));
        raw.send(pipelined.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(raw.readLine().contains("\"ok\":true"), "the first store went through before the signal");
        answers.add("{\"ok\":true}");
        daemon.destroy(); // SIGTERM
        for (String line; (line = raw.readLine()) != null; ) {
          answers.add(line);
        }
      } catch (IOException closed) {
        // The connection closed once the daemon stopped: what came before counts.
      }
      assertTrue(daemon.waitFor(20, TimeUnit.SECONDS));
      assertEquals(143, daemon.exitValue(), "an orderly exit");
      assertFalse(java.nio.file.Files.exists(agent.socket()), "it removed its socket");
      int acknowledged = 0;
      while (acknowledged < answers.size() && answers.get(acknowledged).contains("\"ok\":true")) {
        acknowledged++;
      }
      for (int i = acknowledged; i < answers.size(); i++) {
        assertTrue(answers.get(i).contains("\"ok\":false"), "after the first refusal, only refusals: " + answers.get(i));
      }

      agent.startForegroundDaemon();
      try (RawConnection raw = new RawConnection(agent.socket())) {
        assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").contains("\"ok\":true"));
        JsonNode list = JSON.readTree(raw.request("{\"v\":1,\"op\":\"list\"}")).path("credentials");
        for (int i = 0; i < acknowledged; i++) {
          assertEquals("u" + i, list.path("s-" + i).asText(), "acknowledged store " + i + " survived SIGTERM");
        }
      }
    }
  }

  @Test
  void aFlippedJournalBitRefusesTheUnlockAsDamageAndDoctorSaysWhere() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock("pw");
      for (int i = 0; i < 10; i++) {
        agent.credagent("s" + i + "\n", "store", "r" + i + ".example", "-u", "u" + i).requireSuccess();
      }
      agent.credagent("", "stop").requireSuccess();
      java.nio.file.Path journal = agent.home().resolve("vault.journal");
      byte[] bytes = java.nio.file.Files.readAllBytes(journal);
      bytes[18] ^= 0x01; // record 0's length
      java.nio.file.Files.write(journal, bytes);

      Run unlock = agent.credagent("pw\n", "unlock", "--passphrase-stdin");
      assertEquals(1, unlock.exitCode(), "damage, not a wrong passphrase (5): " + unlock.stderr());
      assertTrue(unlock.stderr().contains(journal.toString()) && unlock.stderr().contains("byte 17"), unlock.stderr());
      org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, java.nio.file.Files.readAllBytes(journal),
          "the journal is as it was: nothing cut");
      Run doctor = agent.credagent("", "doctor");
      assertEquals(1, doctor.exitCode(), doctor.stdout());
      assertTrue(doctor.stdout().contains("damaged at byte 17"), doctor.stdout());

      bytes[18] ^= 0x01; // put back: every acknowledged store is still there
      java.nio.file.Files.write(journal, bytes);
      agent.credagent("pw\n", "unlock", "--passphrase-stdin").requireSuccess();
      assertEquals(11, agent.credagent("", "list").requireSuccess().stdout().lines().count());
    }
  }

  @Test
  void aVaultFilledToItsLimitStillUnlocksInTheDaemonsHeap() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock("pw");
      String secret = "s".repeat(64 * 1024);
      int stored = 0;
      try (RawConnection raw = new RawConnection(agent.socket())) {
        while (stored < 400) {
          String answer = raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"r" + stored + ".example\",\"username\":\"u\","
              + "\"secret\":\"" + secret + "\"}");
          if (!answer.contains("\"ok\":true")) {
            assertTrue(answer.contains("\"bad_request\"") && answer.contains("the vault is full"), answer);
            break;
          }
          stored++;
        }
      }
      assertTrue(stored > 200 && stored < 400, stored + " stored before the limit");
      agent.credagent("", "stop").requireSuccess();
      agent.credagent("pw\n", "unlock", "--passphrase-stdin").requireSuccess();
      assertEquals(stored + 1, agent.credagent("", "list").requireSuccess().stdout().lines().count());
    }
  }

  @Test
  void passwdKilledAtAnyMomentLeavesTheOldPassphraseOrTheNewNeverNeither() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      String current = "pass-0";
      for (int round = 1; round <= 5; round++) {
        Process daemon = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true"));
          if (round == 1) {
            assertTrue(raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"r.example\",\"username\":\"u\",\"secret\":\"s\"}")
                .contains("\"ok\":true"));
          }
          raw.send(("{\"v\":1,\"op\":\"passwd\",\"passphrase\":\"" + current + "\",\"new_passphrase\":\"pass-" + round
              + "\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
          Thread.sleep(new long[] {0, 150, 400, 700, 1500}[round - 1]); // before, during and after its derivations
        }
        daemon.destroyForcibly(); // SIGKILL
        daemon.waitFor(10, TimeUnit.SECONDS);

        Process verifier = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          boolean old = raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true");
          if (!old) {
            current = "pass-" + round;
            assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true"),
                "round " + round + ": neither the old passphrase nor the new one opens the vault");
          }
          assertTrue(raw.request("{\"v\":1,\"op\":\"get\",\"server\":\"r.example\"}").contains("\"secret\":\"s\""));
        }
        verifier.destroyForcibly();
        verifier.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * passwd --rekey killed before, during and after its three writes: one vault, which the old
   * passphrase or the new one opens (the new key's slot, added first, opens nothing until the
   * vault file is sealed under it), with every credential.
   */
  @Test
  void rekeyKilledAtAnyMomentLeavesOneConsistentVault() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      String current = "pass-0";
      for (int round = 1; round <= 5; round++) {
        Process daemon = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true"));
          if (round == 1) {
            for (int i = 0; i < 20; i++) {
              assertTrue(raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"r" + i + ".example\",\"username\":\"u\","
                  + "\"secret\":\"s" + i + "\"}").contains("\"ok\":true"));
            }
          }
          raw.send(("{\"v\":1,\"op\":\"passwd\",\"reseal\":\"true\",\"passphrase\":\"" + current
              + "\",\"new_passphrase\":\"pass-" + round + "\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
          Thread.sleep(new long[] {0, 150, 400, 700, 1500}[round - 1]); // before, during and after its writes
        }
        daemon.destroyForcibly(); // SIGKILL
        daemon.waitFor(10, TimeUnit.SECONDS);

        Process verifier = agent.startForegroundDaemon();
        try (RawConnection raw = new RawConnection(agent.socket())) {
          boolean old = raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true");
          if (!old) {
            current = "pass-" + round;
            assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"" + current + "\"}").contains("\"ok\":true"),
                "round " + round + ": neither the old passphrase nor the new one opens the vault");
          }
          for (int i = 0; i < 20; i++) {
            assertTrue(raw.request("{\"v\":1,\"op\":\"get\",\"server\":\"r" + i + ".example\"}")
                .contains("\"secret\":\"s" + i + "\""), "round " + round + ": r" + i);
          }
        }
        verifier.destroyForcibly();
        verifier.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void storeUntilCut(AgentEnvironment agent, int base, AtomicInteger acknowledged) {
    try (RawConnection raw = new RawConnection(agent.socket())) {
      for (int i = base; ; i++) {
        String answer = raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"server-" + i
            + "\",\"username\":\"u" + i + "\",\"secret\":\"s" + i + "\"}");
        if (answer == null || !answer.contains("\"ok\":true")) {
          return;
        }
        acknowledged.incrementAndGet();
      }
    } catch (IOException cut) {
      // The daemon died mid-request: that store was never acknowledged.
    }
  }
}
