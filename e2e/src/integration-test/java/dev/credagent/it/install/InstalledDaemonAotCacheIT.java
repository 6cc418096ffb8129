package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.credagent.it.AgentEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The installed daemon runs on the AOT cache install.sh trained with the daemon's own options
 * (lib/credagent/daemon.jvmoptions, which both read): its JVM keeps credagent.aot mapped, and its
 * log has no word from the JVM about the cache or the options. A cache the options do not fit is
 * refused with an [aot] warning and the daemon starts twice as slow and some 8 MiB larger
 * (docs/design.md, "Memory"); an option that talks (a CompileCommand without quiet) writes a line
 * per command into the daemon's log.
 */
class InstalledDaemonAotCacheIT {
  private AgentEnvironment agent;
  private Process daemon;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (daemon != null) {
      daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    agent.close();
  }

  @Test
  void theInstalledDaemonMapsTheCacheTrainedOnItsOptionsAndItsLogHasNoWordFromTheJvm() throws Exception {
    Path lib = SharedInstall.prefix().resolve("lib/credagent");
    Path cache = lib.resolve("credagent.aot").toRealPath();
    Files.createDirectories(agent.home());
    Files.setPosixFilePermissions(agent.home(), PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder builder = new ProcessBuilder(lib.resolve("credagent-jvm").toString(), "daemon")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(agent.log().toFile()));
    builder.environment().putAll(agent.env());
    builder.environment().remove("JAVA_HOME"); // the launcher takes the runtime installed beside it
    daemon = builder.start();
    awaitSocket();

    String maps = Files.readString(Path.of("/proc/" + daemon.pid() + "/maps"));
    assertTrue(maps.contains(cache.toString()), "the daemon's JVM has " + cache + " mapped; its log: " + agent.readLog());
    for (String line : agent.readLog().lines().toList()) {
      for (String jvmWord : List.of("[aot]", "AOT cache", "CompileCommand", "[warning]", "[error]")) {
        assertTrue(!line.contains(jvmWord), "the JVM wrote to the daemon's log: " + line);
      }
    }
  }

  private void awaitSocket() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(agent.socket())) {
      if (!daemon.isAlive() || System.nanoTime() > deadline) {
        fail("the installed daemon did not start: " + agent.readLog());
      }
      Thread.sleep(20);
    }
  }
}
