package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * credagent-jvm installed under a prefix whose path has a space (a home such as
 * "/Users/Jane Doe/.local", which install.sh --prefix takes), reached through a symlink: the
 * options that name a file of the installation (the AOT cache, the daemon's options) are one
 * argument each, whatever the path.
 */
class LauncherPathIT {
  private AgentEnvironment agent;
  private Path launcher;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    Path dist = AgentEnvironment.dist().resolve("lib/credagent").toAbsolutePath();
    Path lib = Files.createDirectories(agent.root().resolve("Jane Doe/.local/lib/credagent"));
    // cp, not Files.copy: a file this JVM has open for writing is busy to exec in a child forked meanwhile.
    agent.run(List.of("cp", "-p", dist.resolve("credagent-jvm").toString(), lib.toString()), "").requireSuccess();
    Files.copy(dist.resolve("daemon.jvmoptions"), lib.resolve("daemon.jvmoptions"));
    Files.createSymbolicLink(lib.resolve("jars"), dist.resolve("jars"));
    // Any file there is passed to the JVM as -XX:AOTCache=PATH; one it cannot use it runs without.
    Files.writeString(lib.resolve("credagent.aot"), "not an AOT cache\n");
    launcher = Files.createSymbolicLink(agent.root().resolve("credagent-jvm"), lib.resolve("credagent-jvm"));
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  @Test
  void theCliRunsFromAPrefixWithASpace() throws Exception {
    Run version = agent.run(List.of(launcher.toString(), "--version"), "");

    assertEquals(0, version.exitCode(), version.stderr());
    assertTrue(version.stdout().startsWith("credagent "), version.stdout());
  }

  @Test
  void theDaemonsOptionsAreReadFromAPrefixWithASpace() throws Exception {
    Run help = agent.run(List.of(launcher.toString(), "daemon", "--help"), "");

    assertEquals(0, help.exitCode(), help.stdout() + help.stderr());
    assertTrue(help.stdout().contains("daemon"), help.stdout());
  }
}
