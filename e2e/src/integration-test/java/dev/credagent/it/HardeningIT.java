package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What keeps secrets in the process and out of other hands: no core dumps, no planted sockets. */
class HardeningIT {
  private AgentEnvironment agent;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  /** Starts `credagent daemon` with core dumps allowed by the shell, in {@code cwd}, unlocked with a secret stored. */
  private Process crashableDaemon(Path cwd) throws Exception {
    Files.createDirectories(cwd);
    Files.createDirectories(agent.home());
    Files.setPosixFilePermissions(agent.home(), PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder builder = new ProcessBuilder("sh", "-c",
        "ulimit -c unlimited 2>/dev/null || ulimit -c \"$(ulimit -Hc)\"; exec \"$0\" daemon",
        AgentEnvironment.launcher().toAbsolutePath().toString())
        .directory(cwd.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(agent.log().toFile()));
    builder.environment().putAll(agent.env());
    Process daemon = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!RawConnection.answers(agent.socket())) {
      assertTrue(daemon.isAlive() && System.nanoTime() < deadline, "the daemon did not start: " + agent.readLog());
      Thread.sleep(20);
    }
    try (RawConnection raw = new RawConnection(agent.socket())) {
      assertTrue(raw.request("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pass-CORE\"}").contains("\"ok\":true"));
      assertTrue(raw.request("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\",\"secret\":\"secret-CORE\"}")
          .contains("\"ok\":true"));
    }
    return daemon;
  }

  private static String coreLimit(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/limits")).stream()
        .filter(line -> line.startsWith("Max core file size"))
        .findFirst().orElseThrow()
        .replaceAll("\\s+", " ").strip();
  }

  private static List<String> dumps(Path... dirs) throws Exception {
    List<String> found = new java.util.ArrayList<>();
    for (Path dir : dirs) {
      try (Stream<Path> files = Files.list(dir)) {
        files.map(file -> file.getFileName().toString())
            .filter(name -> name.startsWith("core") || name.startsWith("hs_err"))
            .forEach(found::add);
      }
    }
    return found;
  }

  @Test
  void aCrashingDaemonLeavesNoCoreDumpAndNoCrashReportLyingAround() throws Exception {
    // Defect 9: `kill -SEGV` wrote a 562 MB core with every secret, the passphrase and the key,
    // and an hs_err_pid*.log 0644 in the working directory.
    for (String signal : List.of("SEGV", "ABRT")) {
      Path cwd = agent.root().resolve("cwd-" + signal);
      Process daemon = crashableDaemon(cwd);
      assertEquals("Max core file size 0 0 bytes", coreLimit(daemon.pid()), "soft and hard limit both 0");
      new ProcessBuilder("kill", "-" + signal, Long.toString(daemon.pid())).start().waitFor();
      assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon died of SIG" + signal);
      assertEquals(List.of(), dumps(cwd, agent.home()), "after SIG" + signal);
      assertFalse(Files.readString(agent.log()).contains("secret-CORE"));
    }
    assertTrue(Files.readString(agent.log()).contains("A fatal error has been detected by the Java Runtime Environment"),
        "the SIGSEGV crash report went to the daemon's private log, not to an hs_err file");
  }

  @Test
  void theCliRefusesASocketInADirectoryOthersCanReachBeforeSendingAByte() throws Exception {
    // Defect 1, for the Java client: a directory made by someone else (or left open) may hold a
    // listener of theirs that would collect what we send.
    Path dir = agent.socket().getParent();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ServerSocketChannel planted = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      planted.bind(UnixDomainSocketAddress.of(agent.socket()));
      planted.configureBlocking(false);
      Run refused = agent.credagent("secret-PLANTED\n", "store", "r.example", "-u", "alice");
      assertEquals(1, refused.exitCode());
      assertTrue(refused.stderr().contains("refusing to use " + dir) && refused.stderr().contains("chmod 700 " + dir),
          refused.stderr());
      assertNull(planted.accept(), "the planted listener was never even connected to");
    }
  }
}
