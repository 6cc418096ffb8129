package dev.credagent.helper.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * pam_credagent.so in a real PAM stack, after pam_unix: a login with the right password leaves the
 * user's daemon unlocked through the login key slot; a wrong one unlocks nothing and the result is
 * pam_unix's; a password change (the real passwd, setuid, through /etc/pam.d/passwd: pamtester
 * cannot change a password as the user, and as root pam_unix never asks the old one) rewraps the
 * login slot, so the next session unlocks with the new password.
 */
@ResourceLock(SystemResources.MACHINE) // a user, and /etc/pam.d
class PamIT {
  private static final String USER = "credagent-pam-it";
  private static final Path SERVICE = Path.of("/etc/pam.d/credagent-pam-it");
  private static final Path PASSWD = Path.of("/etc/pam.d/passwd");

  @Test
  void aLoginUnlocksThroughTheLoginSlotAndAPasswordChangeRewrapsIt() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: a user, a PAM service file, passwd");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/pamtester")), "needs pamtester");
    assumeTrue(Files.exists(AgentEnvironment.dist().resolve("lib/credagent/pam_credagent.so")), "needs pam_credagent.so (libpam0g-dev to build it)");
    assumeTrue(Files.isRegularFile(PASSWD) && Files.isExecutable(Path.of("/usr/bin/passwd")), "needs passwd and its PAM file");
    byte[] passwdBefore = Files.readAllBytes(PASSWD);
    try (AgentEnvironment agent = new AgentEnvironment()) {
      try {
        Path prefix = SharedInstall.prefix(); // install.sh --no-build --no-setup --prefix, readable by the user
        Path module = prefix.resolve("lib/credagent/pam_credagent.so");
        agent.run(List.of("useradd", "-m", "-s", "/bin/bash", USER), "").requireSuccess();
        agent.run(List.of("chpasswd"), USER + ":first-Login-pw1\n").requireSuccess();
        String path = "export PATH=" + prefix.resolve("bin") + ":$PATH; ";
        asUser(agent, path + "printf 'vault pass\\n' | credagent unlock --passphrase-stdin"
            + " && printf 'first-Login-pw1\\n' | credagent keyslot add --login && credagent stop").requireSuccess();
        Files.writeString(SERVICE, String.join("\n", "auth required pam_unix.so", "auth optional " + module,
            "account required pam_unix.so", "session optional " + module, "password required pam_unix.so",
            "password optional " + module, ""));

        Run wrong = agent.run(List.of("pamtester", SERVICE.getFileName().toString(), USER, "authenticate", "open_session"),
            "not-the-password\n");
        assertNotEquals(0, wrong.exitCode(), "pam_unix's answer: " + wrong.stdout() + wrong.stderr());
        Thread.sleep(3000); // what a background unlock would have taken
        assertFalse(unlocked(agent, path), "a wrong password unlocks nothing");

        Run login = agent.run(List.of("pamtester", SERVICE.getFileName().toString(), USER, "authenticate", "open_session"),
            "first-Login-pw1\n");
        assertEquals(0, login.exitCode(), login.stdout() + login.stderr());
        assertTrue(eventually(() -> unlocked(agent, path)), "the login left the daemon unlocked");
        asUser(agent, path + "credagent stop").requireSuccess();
        Path slots = Path.of("/home", USER, ".local/share/credagent/vault.slots");
        byte[] slotsBefore = Files.readAllBytes(slots);

        Files.writeString(PASSWD, new String(passwdBefore) + "password optional " + module + "\n");
        Run change = agent.run(List.of("runuser", "-u", USER, "--", "passwd"),
            "first-Login-pw1\nsecond-Login-pw2\nsecond-Login-pw2\n");
        assertEquals(0, change.exitCode(), change.stdout() + change.stderr());
        Files.write(PASSWD, passwdBefore);
        assertTrue(eventually(() -> !java.util.Arrays.equals(slotsBefore, Files.readAllBytes(slots))),
            "the login slot was rewrapped");
        asUser(agent, path + "credagent stop");

        Run again = agent.run(List.of("pamtester", SERVICE.getFileName().toString(), USER, "authenticate", "open_session"),
            "second-Login-pw2\n");
        assertEquals(0, again.exitCode(), again.stdout() + again.stderr());
        assertTrue(eventually(() -> unlocked(agent, path)), "the new password unlocks through the rewrapped slot");
        asUser(agent, path + "credagent stop");
      } finally {
        Files.write(PASSWD, passwdBefore);
        Files.deleteIfExists(SERVICE);
        agent.run(List.of("pkill", "-KILL", "-u", USER), "");
        agent.run(List.of("userdel", "-r", USER), "");
      }
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  /** The module works in the background (a login never waits for it): true once {@code check} holds, within 30 s. */
  private static boolean eventually(Check check) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (check.holds()) {
        return true;
      }
      Thread.sleep(250);
    }
    return check.holds();
  }

  private static boolean unlocked(AgentEnvironment agent, String path) throws Exception {
    return asUser(agent, path + "CREDAGENT_AUTOSTART=0 credagent status --json").stdout().contains("\"locked\":false");
  }

  private static Run asUser(AgentEnvironment agent, String script) throws Exception {
    return agent.run(List.of("runuser", "-l", USER, "-c", "umask 022; unset LANG LC_ALL; " + script), "");
  }
}
