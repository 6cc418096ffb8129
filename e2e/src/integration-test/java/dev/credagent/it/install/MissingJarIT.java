package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An installation that lost one of our own jars (a partial copy, a package half removed): the
 * JVM CLI, which the native credagent runs for whatever it cannot relay, says in one line which
 * jar is missing and that a reinstall brings it back, rather than the JVM's two lines about a
 * class it could not load.
 */
class MissingJarIT {
  private AgentEnvironment agent;
  private Path lib;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    Path dist = AgentEnvironment.dist().resolve("lib/credagent").toAbsolutePath();
    lib = Files.createDirectories(agent.root().resolve("prefix/lib/credagent"));
    // cp, not Files.copy: a file this JVM has open for writing is busy to exec in a child forked meanwhile.
    agent.run(List.of("cp", "-p", dist.resolve("credagent-jvm").toString(), lib.toString()), "").requireSuccess();
    Files.copy(dist.resolve("daemon.jvmoptions"), lib.resolve("daemon.jvmoptions"));
    Path jars = Files.createDirectories(lib.resolve("jars"));
    try (Stream<Path> all = Files.list(dist.resolve("jars"))) {
      for (Path jar : all.filter(jar -> !jar.getFileName().toString().startsWith("credagent-commands-")).toList()) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
      }
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  @Test
  void withoutTheCommandTreesJarTheCliSaysWhichJarInOneLine() throws Exception {
    for (List<String> line : List.of(List.of("list", "--json"), List.of("start"))) {
      List<String> command = Stream.concat(Stream.of(lib.resolve("credagent-jvm").toString()), line.stream()).toList();
      Run run = agent.run(command, "");

      assertNotEquals(0, run.exitCode(), line.toString());
      assertEquals("", run.stdout(), line.toString());
      assertEquals(1, run.stderr().lines().count(), line + ": " + run.stderr());
      assertTrue(run.stderr().contains("credagent-commands") && run.stderr().contains("reinstall"), run.stderr());
      assertFalse(run.stderr().contains("ClassNotFoundException"), run.stderr());
    }
  }
}
