package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * systemd's socket activation without systemd: {@code socket-activate.py} binds the socket, as
 * credagent.socket makes systemd do (replacing any file there), and runs the daemon as that same
 * process with the socket as fd 3, {@code LISTEN_FDS=1} and {@code LISTEN_PID}. Both orders of
 * the race that made gpg-agent drop its units: one daemon per socket, always.
 */
class SocketActivationIT {
  private AgentEnvironment agent;
  private Path activate;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to play systemd's part");
    agent = new AgentEnvironment();
    Files.createDirectories(agent.socket().getParent());
    Files.setPosixFilePermissions(agent.socket().getParent(), PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(agent.home());
    Files.setPosixFilePermissions(agent.home(), PosixFilePermissions.fromString("rwx------"));
    activate = Path.of("src/integration-test/resources/socket-activate.py").toAbsolutePath();
  }

  @AfterEach
  void tearDown() throws Exception {
    processes.forEach(Process::destroyForcibly);
    agent.close();
  }

  @Test
  void theDaemonServesTheSocketItIsHandedAndLeavesItsFileOnSigterm() throws Exception {
    Process daemon = activated();
    awaitAnswer(daemon);
    assertEquals(daemon.pid(), statusPid(), "the activated daemon answers");
    agent.unlock("pw");
    assertTrue(agent.readLog().contains("listening on " + agent.socket()), agent.readLog());

    daemon.destroy(); // SIGTERM
    assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "SIGTERM stops it");
    assertTrue(Files.exists(agent.socket()), "the socket file is systemd's: left in place");
    assertEquals(143, daemon.exitValue(), "the JVM's orderly exit on SIGTERM, which runs the stop hook");
  }

  @Test
  void credagentStopStopsAnActivatedDaemonAndSaysSo() throws Exception {
    // As systemd: the stand-in keeps the socket and runs the daemon as its child, so the socket's
    // peer (SO_PEERCRED: whoever called listen()) is not the daemon.
    ProcessBuilder builder = new ProcessBuilder(List.of("python3", activate.toString(), agent.socket().toString(),
        AgentEnvironment.launcher().toString(), "daemon")).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(agent.log().toFile()));
    builder.environment().putAll(agent.env());
    builder.environment().put("SOCKET_ACTIVATE_KEEP", "1");
    Process systemd = builder.start();
    processes.add(systemd);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(RawConnection.answers(agent.socket()) && statusPid() > 0)) {
      assertTrue(systemd.isAlive() && System.nanoTime() < deadline, "no answer from the activated daemon: " + agent.readLog());
      Thread.sleep(50);
    }
    long daemon = statusPid();
    assertTrue(daemon != systemd.pid(), "the daemon is systemd's child, not systemd");
    // systemd's socket file stays when the daemon leaves: stop waited for it to go, and said after 2 s
    // that the daemon "acknowledged stop but its socket is still there", exit 1, for a daemon that
    // had stopped.
    Run stop = agent.credagent("", "stop");
    assertEquals(0, stop.exitCode(), stop.stderr());
    assertTrue(stop.stdout().contains("daemon stopped"), stop.stdout());
    assertFalse(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "it stopped");
    assertTrue(systemd.waitFor(10, TimeUnit.SECONDS));
    assertTrue(Files.exists(agent.socket()), "the socket file is systemd's: left in place");
  }

  @Test
  void systemdsSocketAfterAnOnDemandDaemonTakesOverAndTheOldOneLeaves() throws Exception {
    Process onDemand = agent.startForegroundDaemon();
    agent.unlock("pw");
    Process activated = activated(); // systemd starts credagent.socket, replacing the file
    awaitAnswer(activated);
    assertEquals(activated.pid(), statusPid());
    assertTrue(onDemand.waitFor(10, TimeUnit.SECONDS), "the daemon nobody can reach any more left: " + agent.readLog());
    assertTrue(agent.readLog().contains("was removed or replaced"), agent.readLog());
    assertTrue(Files.exists(agent.socket()), "leaving, it did not remove the socket that replaced its own");
    assertEquals(activated.pid(), statusPid(), "and the one behind the socket serves on");
    assertTrue(agent.credagent("", "status").stdout().contains("vault:   locked"),
        "a new daemon, with the vault locked (the old one wiped its key)");
  }

  @Test
  void anOnDemandDaemonNeverStartsBehindSystemdsSocket() throws Exception {
    // systemd listens, and has not started the service yet (or is starting it).
    Process listening = start(List.of("python3", activate.toString(), agent.socket().toString(), "sleep", "60"));
    awaitFile(agent.socket());
    Run refused = agent.credagent("", "daemon");
    assertEquals(1, refused.exitCode(), "something answers on the socket: " + refused.stderr());
    assertTrue(refused.stderr().contains("already running"), refused.stderr());
    assertTrue(Files.exists(agent.socket()), "and it left systemd's socket alone");
    listening.destroyForcibly().waitFor();

    Process activated = activated();
    awaitAnswer(activated);
    Run second = agent.credagent("", "daemon");
    assertEquals(1, second.exitCode());
    assertTrue(second.stderr().contains("a credagent daemon (pid " + activated.pid() + ") is already running"), second.stderr());
    assertEquals(activated.pid(), statusPid());
  }

  @Test
  void aSocketBoundElsewhereIsRefusedWithTheFix() throws Exception {
    Path elsewhere = agent.socket().resolveSibling("other.sock");
    Process daemon = start(List.of("python3", activate.toString(), elsewhere.toString(),
        AgentEnvironment.launcher().toString(), "daemon"));
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, daemon.exitValue());
    String log = agent.readLog();
    assertTrue(log.contains("systemd handed over a socket bound at " + elsewhere + ", but credagent's socket is "
        + agent.socket() + ": make ListenStream= in credagent.socket and CREDAGENT_SOCKET agree"), log);
  }

  /** The daemon as systemd would start it behind credagent.socket. */
  private Process activated() throws IOException {
    return start(List.of("python3", activate.toString(), agent.socket().toString(),
        AgentEnvironment.launcher().toString(), "daemon"));
  }

  private Process start(List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(agent.log().toFile()));
    builder.environment().putAll(agent.env());
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  private long statusPid() throws Exception {
    String out = agent.credagent("", "status", "--json").requireSuccess().stdout();
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).path("pid").asLong(-1);
  }

  private void awaitAnswer(Process daemon) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new AssertionError("the daemon exited with " + daemon.exitValue() + ": " + agent.readLog());
      }
      if (RawConnection.answers(agent.socket()) && statusPid() == daemon.pid()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no answer from the activated daemon within 30 s: " + agent.readLog());
  }

  private static void awaitFile(Path file) throws InterruptedException {
    for (int i = 0; i < 200 && !Files.exists(file); i++) {
      Thread.sleep(25);
    }
    assertFalse(!Files.exists(file), file + " never appeared");
  }
}
