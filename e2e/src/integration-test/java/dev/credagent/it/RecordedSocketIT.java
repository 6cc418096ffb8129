package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 30, item 10: a session with XDG_RUNTIME_DIR and one without compute different sockets, and
 * both reach the one daemon of the vault through the socket its home records. The native credagent
 * followed the record nowhere: every command of the other session ran in the JVM CLI (6 commands
 * took 9.5 s), and doctor named the session's own socket, where nothing listened, not the one it
 * had reached.
 */
class RecordedSocketIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;
  private Path runtime;
  private Path tmp;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    agent.env().remove("CREDAGENT_SOCKET"); // a socket named there is the only one used: computed here
    runtime = privateDirectory("xdg-runtime");
    tmp = privateDirectory("tmp"); // without XDG_RUNTIME_DIR: $TMPDIR/credagent-UID, ours alone
    agent.env().put("TMPDIR", tmp.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    // The daemon's socket is not the one AgentEnvironment knows: stop it by the home's record.
    Path record = agent.home().resolve("daemon.lock");
    if (Files.exists(record)) {
      long pid = Long.parseLong(Files.readAllLines(record).getFirst().strip());
      ProcessHandle.of(pid).ifPresent(daemon -> {
        daemon.destroyForcibly();
        daemon.onExit().join();
      });
    }
    agent.close();
  }

  private Path privateDirectory(String name) throws Exception {
    return Files.createDirectory(agent.root().resolve(name),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /**
   * {@code credagent ARGS} (the native one) in a session with XDG_RUNTIME_DIR, or without; without
   * java (JAVA_HOME and PATH lead nowhere) unless {@code javaToo}: a hand-back to the JVM CLI then fails.
   */
  private Run session(boolean withRuntimeDir, boolean javaToo, String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(withRuntimeDir
        ? List.of("env", "XDG_RUNTIME_DIR=" + runtime) : List.of("env", "-u", "XDG_RUNTIME_DIR"));
    if (!javaToo) {
      command.addAll(List.of("JAVA_HOME=/nonexistent", "PATH=/nonexistent"));
    }
    command.add(AgentEnvironment.launcher().toString());
    command.addAll(List.of(args));
    return agent.run(command, stdin);
  }

  private String lastCaller() throws Exception {
    List<String> lines = Files.readAllLines(agent.home().resolve("audit.log"));
    return JSON.readTree(lines.getLast()).path("exe").asText();
  }

  @Test
  void aSessionWithoutXdgRuntimeDirReachesTheDaemonStartedWithIt() throws Exception {
    Path used = runtime.resolve("credagent/agent.sock");
    Path own = tmp.resolve("credagent-" + new com.sun.security.auth.module.UnixSystem().getUid() + "/agent.sock");
    theOtherSessionUsesTheRecordedSocket(true, used, own);
  }

  @Test
  void aSessionWithXdgRuntimeDirReachesTheDaemonStartedWithout() throws Exception {
    Path used = tmp.resolve("credagent-" + new com.sun.security.auth.module.UnixSystem().getUid() + "/agent.sock");
    Path own = runtime.resolve("credagent/agent.sock");
    theOtherSessionUsesTheRecordedSocket(false, used, own);
  }

  private void theOtherSessionUsesTheRecordedSocket(boolean daemonWithRuntimeDir, Path used, Path own) throws Exception {
    agent.seedVault("pw");
    session(daemonWithRuntimeDir, true, "pw\n", "unlock", "--passphrase-stdin").requireSuccess();
    assertTrue(Files.exists(used), "the daemon listens on " + used);
    boolean other = !daemonWithRuntimeDir;

    long started = System.nanoTime();
    session(other, false, "s3cret\n", "store", "one.example", "-u", "alice").requireSuccess();
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the store ran in " + lastCaller() + ", not through the daemon");
    String list = session(other, false, "", "list").requireSuccess().stdout();
    assertTrue(list.contains("one.example"), list);
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the list ran in " + lastCaller() + ", not through the daemon");
    Run got = session(other, false, "", "get", "one.example").requireSuccess();
    assertEquals("s3cret", JSON.readTree(got.stdout()).path("secret").asText());
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the get ran in " + lastCaller() + ", not through the daemon");
    session(other, false, "", "status").requireSuccess();
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("RecordedSocketIT: 5 native commands through the recorded socket in %d ms%n", millis);
    assertTrue(Files.notExists(own), "a second daemon was started on " + own);

    // doctor (the JVM CLI) names the socket it reached, not the session's own empty one.
    Run doctor = session(other, true, "", "doctor");
    String daemonLine = doctor.stdout().lines().filter(l -> l.contains("daemon:")).findFirst().orElse(doctor.stdout());
    assertTrue(daemonLine.contains("running as you") && daemonLine.contains("on " + used), doctor.stdout());
  }
}
