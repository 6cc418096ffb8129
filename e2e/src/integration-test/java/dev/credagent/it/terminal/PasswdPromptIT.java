package dev.credagent.it.terminal;

import static dev.credagent.it.terminal.PinentryIT.TMUX;
import static dev.credagent.it.terminal.PinentryIT.tmux;
import static dev.credagent.it.terminal.PinentryIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * `credagent passwd` on a real terminal (a tmux pane, typed with send-keys), issue 30 item 6: a
 * wrong current passphrase is said before the new one is asked, and an empty new one at its first
 * entry. Before, both were said only after the new passphrase had been typed twice.
 */
class PasswdPromptIT {
  @Test
  void aWrongCurrentPassphraseAndAnEmptyNewOneAreSaidAtOnce() throws Exception {
    assumeTrue(Files.isExecutable(TMUX), "needs tmux");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock("the passphrase");
      String socket = "-S" + agent.root().resolve("tmux.sock");
      String command = PinentryIT.env(agent) + " sh -c '" + AgentEnvironment.launcher() + " passwd; echo EXIT=$?; sleep 60'";
      try {
        tmux(socket, "new-session", "-d", "-s", "wrong", "-x", "160", "-y", "20", command);
        waitFor(socket, "wrong", "Current passphrase:");
        tmux(socket, "send-keys", "-t", "wrong", "not it", "Enter");
        String screen = waitFor(socket, "wrong", "EXIT=5");
        assertFalse(screen.contains("New passphrase:"), "asked for the new one after a wrong current one:\n" + screen);

        tmux(socket, "new-session", "-d", "-s", "empty", "-x", "160", "-y", "20", command);
        waitFor(socket, "empty", "Current passphrase:");
        tmux(socket, "send-keys", "-t", "empty", "the passphrase", "Enter");
        waitFor(socket, "empty", "New passphrase:");
        tmux(socket, "send-keys", "-t", "empty", "Enter");
        screen = waitFor(socket, "empty", "EXIT=1");
        assertFalse(screen.contains("Repeat the new passphrase"), "asked to repeat an empty passphrase:\n" + screen);
        waitFor(socket, "empty", "the new passphrase must not be empty");
      } finally {
        PinentryIT.killServer(socket);
      }
    }
  }
}
