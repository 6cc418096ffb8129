package dev.credagent.it.pam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Executables;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import dev.credagent.it.install.SharedInstall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * pam_credagent.so in a real PAM stack, after pam_unix: a login with the right password leaves the
 * user's daemon unlocked through the login key slot; a wrong one unlocks nothing and the result is
 * pam_unix's; a password change (the real passwd, setuid, through /etc/pam.d/passwd: pamtester
 * cannot change a password as the user, and as root pam_unix never asks the old one) rewraps the
 * login slot, so the next session unlocks with the new password.
 *
 * <p>And the hostile side (issue 29, item 8): the process the module starts as the user gets none of
 * the PAM application's descriptors, ignored signals or variables, and a credagent program that
 * anyone but root could replace is never run. The programs live under /run, a root-only parent:
 * the module refuses any path with a component writable by others, as /tmp is.
 */
@ResourceLock(SystemResources.MACHINE) // a user, and /etc/pam.d
@Execution(ExecutionMode.SAME_THREAD) // its tests share that user and PAM service: one at a time
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
      Path shared = rootOnlyDirectory();
      try {
        Path prefix = shared.resolve("prefix");
        // The installed tree the install tests share (install.sh --no-build --no-setup, by root), copied
        // under /run, whose every ancestor only root may write, as the module's path must be. It ran an
        // install.sh --small of its own before: a jlink'd runtime made once more, for nothing the test needs.
        agent.run(List.of("cp", "-a", SharedInstall.prefix().toString(), prefix.toString()), "").requireSuccess();
        Path module = prefix.resolve("lib/credagent/pam_credagent.so");
        removeUser(agent); // one an earlier test or run could not remove
        agent.run(List.of("useradd", "-m", "-s", "/bin/bash", USER), "").requireSuccess();
        agent.run(List.of("chpasswd"), USER + ":first-Login-pw1\n").requireSuccess();
        String path = "export PATH=" + prefix.resolve("bin") + ":$PATH; ";
        asUser(agent, path + "printf 'vault pass\\n' | credagent unlock --passphrase-stdin"
            + " && printf 'vault pass\\nfirst-Login-pw1\\n' | credagent keyslot add --login --passphrase-stdin && credagent stop").requireSuccess();
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
        removeUser(agent);
        agent.run(List.of("rm", "-rf", shared.toString()), "");
      }
    }
  }

  /**
   * A login program holding a root-only file (fd 7) and ignoring SIGUSR1: the user's process must see
   * neither, nor any of its variables. Before the fix it listed fd 7 on the secret, SigIgn 0x200.
   */
  @Test
  void theUsersProcessGetsNoDescriptorIgnoredSignalOrVariableOfTheLoginProgram() throws Exception {
    assumeHostileSetup();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path dir = rootOnlyDirectory();
      try {
        Path secret = dir.resolve("root-only-secret");
        Files.writeString(secret, "not for the user\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path program = recordingProgram(dir.resolve("bin/credagent"), "good");
        addUser(agent);
        writeService(program);
        Run login = agent.run(List.of("sh", "-c", "trap '' USR1; exec 7<" + secret + "; exec pamtester "
            + SERVICE.getFileName() + " " + USER + " authenticate open_session"), "first-Login-pw1\n");
        assertEquals(0, login.exitCode(), login.stdout() + login.stderr());
        Path record = userHome().resolve("record-good");
        assertTrue(eventually(() -> Files.exists(record)), "the module ran the root-owned program");
        String seen = Files.readString(record);
        assertTrue(seen.contains("args: unlock --login --passphrase-stdin"), seen);
        assertFalse(seen.contains(secret.toString()), "the login program's fd 7 reached the user:\n" + seen);
        assertTrue(seen.contains("SigIgn:\t0000000000000000"), "an ignored signal outlived exec:\n" + seen);
        assertTrue(seen.contains("SigBlk:\t0000000000000000"), "a blocked signal outlived exec:\n" + seen);
        assertFalse(seen.contains("CREDAGENT_SOCKET="), "the login program's environment reached the user:\n" + seen);
      } finally {
        cleanUp(agent, dir);
      }
    }
  }

  /**
   * credagent=PATH naming a program the user could replace: their own file, root's file in a
   * directory their group may write, and a root-owned symlink to their file. None may run (it would
   * get the login password), each refusal goes to syslog, and a root-owned program named in a login
   * after them still runs (which is also the sign that theirs would have run by then). Before the
   * fix all three ran.
   */
  @Test
  void aCredagentProgramAnyoneButRootCouldReplaceIsRefusedAndLogged() throws Exception {
    assumeHostileSetup();
    try (AgentEnvironment agent = new AgentEnvironment(); Syslog syslog = Syslog.capture(agent)) {
      Path dir = rootOnlyDirectory();
      try {
        addUser(agent);
        Path userOwned = recordingProgram(userHome().resolve("bin/credagent"), "user-owned");
        agent.run(List.of("chown", "-R", USER + ":" + USER, userHome().resolve("bin").toString()), "").requireSuccess();
        Path groupWritableDir = Files.createDirectory(dir.resolve("group-writable"));
        Path inGroupWritable = recordingProgram(groupWritableDir.resolve("credagent"), "group-writable");
        agent.run(List.of("chgrp", USER, groupWritableDir.toString()), "").requireSuccess();
        Files.setPosixFilePermissions(groupWritableDir, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path symlink = Files.createSymbolicLink(dir.resolve("link-to-users"), userOwned);
        Path good = recordingProgram(dir.resolve("bin/credagent"), "good");
        for (Path program : List.of(userOwned, inGroupWritable, symlink, good)) { // one login each: a session takes the password once
          writeService(program);
          Run login = agent.run(List.of("pamtester", SERVICE.getFileName().toString(), USER, "authenticate", "open_session"),
              "first-Login-pw1\n");
          assertEquals(0, login.exitCode(), "a refusal never fails the login: " + login.stdout() + login.stderr());
        }
        assertTrue(eventually(() -> Files.exists(userHome().resolve("record-good"))), "the root-owned program ran");
        for (String name : List.of("user-owned", "group-writable")) {
          assertFalse(Files.exists(userHome().resolve("record-" + name)), "the " + name + " program ran");
        }
        if (syslog != null) {
          String lines = syslog.lines();
          for (Path refused : List.of(userOwned, inGroupWritable, symlink)) {
            assertTrue(lines.contains("refusing to run " + refused), "no refusal logged for " + refused + ": " + lines);
          }
          assertTrue(lines.contains(userHome() + " is not owned by root"), lines); // the first component the user owns
          assertTrue(lines.contains(groupWritableDir + " is writable by group or others"), lines);
        }
      } finally {
        cleanUp(agent, dir);
      }
    }
  }

  /**
   * Issue 30, item 2: lock_on_close locked the vault at ANY session's close: a second ssh login
   * that ended locked it under the desktop session still open. It locks at the last one's close;
   * a session whose program died without closing (kill -9) holds nothing open. Real PAM sessions,
   * each held open by a small libpam program until told to close.
   */
  @Test
  void lockOnCloseLocksWhenTheUsersLastSessionClosesNotAtEach() throws Exception {
    assumeHostileSetup();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path dir = rootOnlyDirectory();
      try {
        addUser(agent);
        Path holder = sessionHolder(dir);
        Path program = Files.createDirectories(dir.resolve("bin")).resolve("credagent");
        Executables.script(program, "#!/bin/sh\necho \"$*\" >> \"$HOME/calls\"\n", "rwxr-xr-x");
        Files.writeString(SERVICE, "session optional " + module() + " credagent=" + program + " lock_on_close\n");
        Path calls = userHome().resolve("calls");

        Process desktop = openSession(holder);
        Process ssh = openSession(holder);
        closeSession(ssh);
        Process crashed = openSession(holder);
        crashed.destroyForcibly(); // its marker stays, its process does not
        assertTrue(crashed.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        closeSession(desktop);
        assertTrue(eventually(() -> Files.exists(calls) && Files.readString(calls).contains("lock")),
            "the last session's close locked");
        assertEquals(List.of("lock"), Files.readAllLines(calls), "one lock, at the last close; not at the ssh session's");

        Path sessions = Path.of("/run/credagent-sessions");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sessions)));
        assertEquals("root", Files.getOwner(sessions).getName(), "the user can neither add nor remove a session");
        String uid = agent.run(List.of("id", "-u", USER), "").stdout().strip();
        try (var markers = Files.list(sessions)) {
          assertEquals(List.of(), markers.filter(m -> m.getFileName().toString().startsWith(uid + ".")).toList(),
              "no marker of the user's left, the crashed session's included");
        }
      } finally {
        cleanUp(agent, dir);
      }
    }
  }

  /** A libpam program: opens a session of USER in SERVICE, says OPEN, closes it when a line comes on stdin. */
  private static Path sessionHolder(Path dir) throws Exception {
    Path source = dir.resolve("holder.c");
    Files.writeString(source, """
        #include <security/pam_appl.h>
        #include <stdio.h>
        static int conv(int n, const struct pam_message **m, struct pam_response **r, void *d) {
          (void)n; (void)m; (void)r; (void)d;
          return PAM_CONV_ERR;
        }
        int main(int argc, char **argv) {
          (void)argc;
          struct pam_conv c = {conv, NULL};
          pam_handle_t *h;
          char line[16];
          if (pam_start(argv[1], argv[2], &c, &h) != PAM_SUCCESS || pam_open_session(h, 0) != PAM_SUCCESS) return 1;
          printf("OPEN\\n");
          fflush(stdout);
          if (fgets(line, sizeof(line), stdin) == NULL) return 2;
          pam_close_session(h, 0);
          pam_end(h, PAM_SUCCESS);
          printf("CLOSED\\n");
          return 0;
        }
        """);
    Path binary = dir.resolve("holder");
    Process cc = new ProcessBuilder("cc", "-o", binary.toString(), source.toString(), "-lpam").redirectErrorStream(true).start();
    String out = new String(cc.getInputStream().readAllBytes());
    assertTrue(cc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && cc.exitValue() == 0, out);
    return binary;
  }

  private static Process openSession(Path holder) throws Exception {
    Process session = new ProcessBuilder(holder.toString(), SERVICE.getFileName().toString(), USER).start();
    byte[] open = session.getInputStream().readNBytes(5);
    assertEquals("OPEN\n", new String(open), "the session opened");
    return session;
  }

  private static void closeSession(Process session) throws Exception {
    session.getOutputStream().write('\n');
    session.getOutputStream().flush();
    assertTrue(session.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, session.exitValue());
  }

  private static void assumeHostileSetup() {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: a user, a PAM service file");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/pamtester")), "needs pamtester");
    assumeTrue(Files.exists(module()), "needs pam_credagent.so (libpam0g-dev to build it)");
  }

  private static Path module() {
    return AgentEnvironment.dist().resolve("lib/credagent/pam_credagent.so").toAbsolutePath();
  }

  private static Path userHome() {
    return Path.of("/home", USER);
  }

  private static void addUser(AgentEnvironment agent) throws Exception {
    removeUser(agent); // one an earlier test or run could not remove
    agent.run(List.of("useradd", "-m", "-s", "/bin/sh", USER), "").requireSuccess();
    agent.run(List.of("chpasswd"), USER + ":first-Login-pw1\n").requireSuccess();
  }

  /** pam_unix, then the module: in auth (it keeps the password) and in session, naming {@code program}. */
  private static void writeService(Path program) throws Exception {
    Files.writeString(SERVICE, "auth required pam_unix.so\nauth optional " + module() + "\nsession optional " + module()
        + " credagent=" + program + "\n");
  }

  /** A fake credagent, owned by root and 0755: records what it was given in ~/record-NAME, once complete. */
  private static Path recordingProgram(Path at, String name) throws Exception {
    Files.createDirectories(at.getParent());
    // The signal state is read first and by the shell's own builtins: a shell waiting for a child
    // (grep, ls) blocks its signals meanwhile, and a grep of /proc/$$/status then raced that wait.
    return Executables.script(at, String.join("\n", "#!/bin/sh", "exec > \"$HOME/record-" + name + ".part\" 2>&1",
        "while IFS= read -r line; do case $line in SigBlk:*|SigIgn:*) echo \"$line\";; esac; done < /proc/$$/status",
        "echo \"args: $*\"", "ls -l /proc/$$/fd", "env",
        "mv \"$HOME/record-" + name + ".part\" \"$HOME/record-" + name + "\"", ""), "rwxr-xr-x");
  }

  /**
   * A fresh 0755 directory under /run, whose every component is root's and writable by root only:
   * a program under it passes the module's check, where one under /tmp (world-writable) does not.
   */
  private static Path rootOnlyDirectory() throws Exception {
    Path parent = Path.of("/run");
    assumeTrue(Files.isDirectory(parent) && "rwxr-xr-x".equals(PosixFilePermissions.toString(Files.getPosixFilePermissions(parent)))
        && "root".equals(Files.getOwner(parent).getName()), "needs /run owned by root, 0755");
    Path dir = Files.createTempDirectory(parent, "credagent-pam-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  private static void cleanUp(AgentEnvironment agent, Path dir) throws Exception {
    Files.deleteIfExists(SERVICE);
    removeUser(agent);
    agent.run(List.of("rm", "-rf", dir.toString()), "");
  }

  /**
   * Removes the throwaway user, whose processes (the daemon its login started) may still be dying:
   * userdel refuses a user with a live process, and the next test's useradd then found it there.
   * Bounded: 10 s of tries.
   */
  private static void removeUser(AgentEnvironment agent) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    do {
      agent.run(List.of("pkill", "-KILL", "-u", USER), "");
      agent.run(List.of("userdel", "-r", USER), "");
      if (agent.run(List.of("id", "-u", USER), "").exitCode() != 0) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
  }

  /**
   * What the module sends to syslog, where no syslog daemon holds /dev/log (a container, CI): socat
   * receives the datagrams for the test's length. Null where a real syslog has /dev/log (or no
   * socat): that is not ours to take over, and the refusals are then checked by their effect only.
   */
  private static final class Syslog implements AutoCloseable {
    private static final Path DEV_LOG = Path.of("/dev/log");
    private final Process socat;
    private final Path file;

    private Syslog(Process socat, Path file) {
      this.socat = socat;
      this.file = file;
    }

    static Syslog capture(AgentEnvironment agent) throws Exception {
      if (Files.exists(DEV_LOG, java.nio.file.LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(Path.of("/usr/bin/socat"))) {
        return null;
      }
      Path file = agent.root().resolve("syslog");
      Process socat = new ProcessBuilder("socat", "-u", "UNIX-RECV:" + DEV_LOG + ",mode=666", "CREATE:" + file)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Syslog syslog = new Syslog(socat, file);
      if (!eventually(() -> Files.exists(DEV_LOG))) {
        syslog.close();
        throw new AssertionError("socat did not bind /dev/log");
      }
      return syslog;
    }

    String lines() throws Exception {
      return Files.exists(file) ? Files.readString(file) : "";
    }

    @Override
    public void close() throws Exception {
      socat.destroy();
      socat.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      Files.deleteIfExists(DEV_LOG);
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
