package dev.credagent.it.terminal;

import static dev.credagent.it.terminal.PinentryIT.TMUX;
import static dev.credagent.it.terminal.PinentryIT.tmux;
import static dev.credagent.it.terminal.PinentryIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.RawConnection;
import dev.credagent.it.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `credagent keyslot add --login` on a real terminal (a tmux pane, typed with send-keys), issue 30
 * item 4: it showed no prompt and echoed the password as it was typed (the native credagent sent
 * the terminal's line to the daemon; the JVM CLI read it as a line of standard input). Now both
 * ask with echo off, twice, and two entries that differ add nothing. Piped, it is relayed as before.
 * Either way it asks the vault's passphrase first, as `keyslot remove` does: a slot outlives a
 * passwd, so whoever briefly holds the unlocked socket must not plant one.
 */
class KeyslotPromptIT {
  private static final String TYPED = "typed-login-pw-7";
  private static final String PASSPHRASE = "the passphrase";

  @Test
  void theNativeCliAsksTwiceWithEchoOff() throws Exception {
    asksTwiceWithEchoOff(AgentEnvironment.launcher());
  }

  @Test
  void theJvmCliAsksTwiceWithEchoOff() throws Exception {
    asksTwiceWithEchoOff(AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm"));
  }

  private static void asksTwiceWithEchoOff(Path cli) throws Exception {
    assumeTrue(Files.isExecutable(TMUX), "needs tmux");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      String socket = "-S" + agent.root().resolve("tmux.sock");
      String command = PinentryIT.env(agent) + " sh -c '" + cli + " keyslot add --login; echo EXIT=$?; sleep 60'";
      try {
        tmux(socket, "new-session", "-d", "-s", "differ", "-x", "160", "-y", "20", command);
        waitFor(socket, "differ", "Passphrase:");
        tmux(socket, "send-keys", "-t", "differ", PASSPHRASE, "Enter");
        waitFor(socket, "differ", "Login password:");
        tmux(socket, "send-keys", "-t", "differ", TYPED, "Enter");
        waitFor(socket, "differ", "Repeat the login password:");
        tmux(socket, "send-keys", "-t", "differ", TYPED + "x", "Enter");
        String screen = waitFor(socket, "differ", "EXIT=1");
        assertTrue(screen.contains("the two login passwords differ; no key slot was added"), screen);
        assertFalse(screen.contains(TYPED), "the password was echoed:\n" + screen);
        assertFalse(loginSlots(agent), "two entries that differ added a slot");

        tmux(socket, "new-session", "-d", "-s", "same", "-x", "160", "-y", "20", command);
        waitFor(socket, "same", "Passphrase:");
        tmux(socket, "send-keys", "-t", "same", PASSPHRASE, "Enter");
        waitFor(socket, "same", "Login password:");
        tmux(socket, "send-keys", "-t", "same", TYPED, "Enter");
        waitFor(socket, "same", "Repeat the login password:");
        tmux(socket, "send-keys", "-t", "same", TYPED, "Enter");
        screen = waitFor(socket, "same", "EXIT=0");
        assertTrue(screen.contains("added a login password slot"), screen);
        assertFalse(screen.contains(TYPED), "the password was echoed:\n" + screen);
        assertFalse(screen.contains(PASSPHRASE), "the passphrase was echoed:\n" + screen);
        assertTrue(loginSlots(agent), "no login slot after two equal entries");
        // The slot opens with what was typed: passwd --login checks it as the current password.
        agent.credagent(TYPED + "\nnew-login-pw\n", "passwd", "--login", "--passphrase-stdin").requireSuccess();
      } finally {
        PinentryIT.killServer(socket);
      }
    }
  }

  /**
   * A wrong passphrase is said right after it is typed: it was learnt only from the add's answer,
   * after the login password had been typed twice. Now the passphrase is checked first, as passwd
   * checks the current one, and nothing more is asked; the same one-line error and exit code (5).
   */
  @Test
  void aWrongPassphraseIsSaidBeforeTheLoginPasswordIsAsked() throws Exception {
    assumeTrue(Files.isExecutable(TMUX), "needs tmux");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      String socket = "-S" + agent.root().resolve("tmux.sock");
      String command = PinentryIT.env(agent) + " sh -c '" + AgentEnvironment.launcher()
          + " keyslot add --login; echo EXIT=$?; sleep 60'";
      try {
        tmux(socket, "new-session", "-d", "-s", "wrong", "-x", "160", "-y", "20", command);
        waitFor(socket, "wrong", "Passphrase:");
        tmux(socket, "send-keys", "-t", "wrong", "not-it-42", "Enter");
        String screen = waitFor(socket, "wrong", "EXIT=5");
        assertFalse(screen.contains("Login password:"), "asked for the login password after a wrong passphrase:\n" + screen);
        assertTrue(screen.contains("wrong passphrase"), screen);
        assertFalse(screen.contains("not-it-42"), "the passphrase was echoed:\n" + screen);
        assertFalse(loginSlots(agent), "a slot was added");
      } finally {
        PinentryIT.killServer(socket);
      }
    }
  }

  @Test
  void pipedTheNativeCliStillRelaysIt() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      // No java to run: a hand-back to the JVM CLI would fail, so success says the daemon ran it.
      agent.run(List.of("env", "JAVA_HOME=/nonexistent", "PATH=/nonexistent", AgentEnvironment.launcher().toString(),
          "keyslot", "add", "--login", "--passphrase-stdin"), PASSPHRASE + "\n" + TYPED + "\n").requireSuccess();
      assertTrue(loginSlots(agent));
    }
  }

  /**
   * Piped without the vault's passphrase (the one line of before), or with a wrong one: refused
   * in one line that names the fix or says "wrong passphrase", and no slot is added. Before, the
   * login password alone planted a slot.
   */
  @Test
  void pipedWithoutOrWithAWrongPassphraseAddsNoSlot() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      Run bare = agent.credagent(TYPED + "\n", "keyslot", "add", "--login");
      assertEquals(1, bare.exitCode(), bare.stdout() + bare.stderr());
      assertTrue(bare.stderr().contains("--passphrase-stdin"), bare.stderr());
      Run wrong = agent.credagent("not it\n" + TYPED + "\n", "keyslot", "add", "--login", "--passphrase-stdin");
      assertEquals(5, wrong.exitCode(), wrong.stdout() + wrong.stderr());
      assertTrue(wrong.stderr().contains("wrong passphrase"), wrong.stderr());
      assertFalse(wrong.stderr().contains("not it") || wrong.stderr().contains(TYPED), wrong.stderr());
      // In the daemon log as a wrong unlock is (it was in audit.log only), never with what was typed.
      String log = agent.readLog();
      assertTrue(log.contains("wrong passphrase (keyslot add, 1 in a row, "), log);
      assertFalse(log.contains("not it") || log.contains(TYPED), log);
      Run recovery = agent.credagent("", "keyslot", "add", "--recovery", "--passphrase-stdin");
      assertEquals(1, recovery.exitCode(), recovery.stdout() + recovery.stderr());
      assertFalse(loginSlots(agent), "no login slot");
      assertEquals(2, agent.credagent("", "keyslot", "list").requireSuccess().stdout().lines().count(), "the passphrase's slot alone");
    }
  }

  /**
   * Standard input closed ({@code <&-}, as a cron line or a service may leave it): the JVM took the
   * first file it opened, its own {@code lib/modules}, as descriptor 0, and the JVM CLI read the
   * JDK's image as the vault's passphrase ("standard input is not valid UTF-8"). It reads nothing
   * now, as from /dev/null, and says the passphrase is missing; the native CLI says it cannot read.
   */
  @Test
  void withStandardInputClosedNeitherCliReadsAFileAsThePassphrase() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      for (Path cli : List.of(AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm"), AgentEnvironment.launcher())) {
        Run closed = agent.run(List.of("sh", "-c", "exec \"$0\" keyslot add --recovery --passphrase-stdin <&-", cli.toString()), "");
        assertEquals(1, closed.exitCode(), cli + ": " + closed.stdout() + closed.stderr());
        assertFalse(closed.stderr().contains("UTF-8"), cli + " read a file as standard input: " + closed.stderr());
        assertTrue(closed.stderr().contains("passphrase") || closed.stderr().contains("cannot read standard input"),
            cli + ": " + closed.stderr());
        assertEquals(1, closed.stderr().lines().count(), cli + ": one line: " + closed.stderr());
      }
      assertEquals(2, agent.credagent("", "keyslot", "list").requireSuccess().stdout().lines().count(), "no slot was added");
    }
  }

  /**
   * The recovery key is printed once: where standard output cannot take it (a full disk,
   * /dev/full), the slot is added all the same, and the JVM CLI said nothing and exited 0, so the
   * owner believed a key was written down that nobody has. Both CLIs now fail.
   */
  @Test
  void aRecoveryKeyThatCannotBePrintedIsAFailureNotASuccess() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      for (Path cli : List.of(AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm"), AgentEnvironment.launcher())) {
        Run full = agent.run(List.of("sh", "-c", "exec \"$0\" keyslot add --recovery --passphrase-stdin >/dev/full",
            cli.toString()), PASSPHRASE + "\n");
        assertTrue(full.exitCode() != 0, cli + " exited 0 with the key printed nowhere: " + full.stderr());
      }
    }
  }

  /**
   * A client gone before the answer of keyslot_add --recovery (a Ctrl-C while the key was
   * derived): the slot is added and its key was shown to nobody. The daemon log says so, naming
   * the slot to remove (never the key), and audit.log has the add's "undelivered" line. The add
   * is held behind a wrong guess's throttle on the unlock thread, so its client has surely closed
   * before its answer is written.
   */
  @Test
  void aRecoveryKeysAnswerThatNeverLeftIsSaidInTheDaemonLogWithTheSlotToRemove() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock(PASSPHRASE);
      String wrong = "{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"not-it-42\"}";
      try (RawConnection guesses = new RawConnection(agent.socket())) {
        guesses.request(wrong);
        guesses.request(wrong);
        guesses.send((wrong + "\n").getBytes(StandardCharsets.UTF_8)); // its 300 ms wait holds the unlock thread
        try (RawConnection gone = new RawConnection(agent.socket())) {
          gone.send(("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"" + PASSPHRASE + "\"}\n")
              .getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(guesses.readLine().contains("unauthorized"));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!agent.readLog().contains("not delivered") && System.nanoTime() < deadline) {
        Thread.sleep(100); // a real daemon's log, polled with a bound as waitFor polls a pane
      }
      String log = agent.readLog();
      assertTrue(log.contains("a recovery key slot was added but its answer was not delivered") && log.contains("remove slot 1"),
          log);
      assertFalse(log.contains(PASSPHRASE) || log.contains("not-it-42"), log);
      assertTrue(agent.credagent("", "keyslot", "list").requireSuccess().stdout().lines()
          .anyMatch(l -> l.startsWith("1 ") && l.contains("recovery")), "slot 1 is the recovery slot named");
      String audit = Files.readString(agent.home().resolve("audit.log"));
      assertTrue(audit.lines().anyMatch(l -> l.contains("\"op\":\"keyslot_add\"") && l.contains("\"outcome\":\"undelivered\"")),
          audit);
    }
  }

  private static boolean loginSlots(AgentEnvironment agent) throws Exception {
    return agent.credagent("", "keyslot", "list").requireSuccess().stdout().lines().anyMatch(l -> l.contains("login"));
  }
}
