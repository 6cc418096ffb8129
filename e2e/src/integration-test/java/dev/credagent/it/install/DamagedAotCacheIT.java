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
 * A credagent.aot the JVM cannot use (damaged, or left from another runtime or class path after an
 * upgrade): the JVM says so and runs without it. What it says goes to standard error, never into
 * standard output, which scripts parse (`credagent get`, `list --json`): HotSpot's log writes its
 * warnings and errors to standard output unless told otherwise.
 */
class DamagedAotCacheIT {
  private AgentEnvironment agent;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  @Test
  void aCacheTheJvmCannotUseIsReportedOnStandardErrorNotMixedIntoStandardOutput() throws Exception {
    Path dist = AgentEnvironment.dist().resolve("lib/credagent").toAbsolutePath();
    Path lib = Files.createDirectories(agent.root().resolve("prefix/lib/credagent"));
    // cp, not Files.copy: a file this JVM has open for writing is busy to exec in a child forked meanwhile.
    agent.run(List.of("cp", "-p", dist.resolve("credagent-jvm").toString(), lib.toString()), "").requireSuccess();
    Files.copy(dist.resolve("daemon.jvmoptions"), lib.resolve("daemon.jvmoptions"));
    Files.createSymbolicLink(lib.resolve("jars"), dist.resolve("jars"));
    Files.writeString(lib.resolve("credagent.aot"), "not an AOT cache\n");

    Run version = agent.run(List.of(lib.resolve("credagent-jvm").toString(), "--version"), "").requireSuccess();

    assertTrue(version.stdout().matches("credagent \\S+ \\(commit \\S+\\)\\R"), "stdout: " + version.stdout());
    assertTrue(version.stderr().contains("AOT cache"), "the JVM's word on the cache stays visible: " + version.stderr());
    assertEquals(1, version.stdout().lines().count());
  }

  @Test
  void aCacheOlderThanAJarIsNotUsed() throws Exception {
    // A cache trained before a jar was replaced: JDK 25 does not notice a changed jar of the class
    // path, and served the old jar's classes from the cache (by hand: the daemon ran the old
    // DaemonMain; a CLI failed with IllegalAccessError between an old and a new class).
    Path dist = AgentEnvironment.dist().resolve("lib/credagent").toAbsolutePath();
    Path lib = Files.createDirectories(agent.root().resolve("prefix/lib/credagent"));
    // cp, not Files.copy: a file this JVM has open for writing is busy to exec in a child forked meanwhile.
    agent.run(List.of("cp", "-p", dist.resolve("credagent-jvm").toString(), lib.toString()), "").requireSuccess();
    Files.copy(dist.resolve("daemon.jvmoptions"), lib.resolve("daemon.jvmoptions"));
    Files.createSymbolicLink(lib.resolve("jars"), dist.resolve("jars"));
    Path cache = Files.writeString(lib.resolve("credagent.aot"), "not an AOT cache\n");
    Files.setLastModifiedTime(cache, java.nio.file.attribute.FileTime.fromMillis(0)); // before every jar

    Run version = agent.run(List.of(lib.resolve("credagent-jvm").toString(), "--version"), "").requireSuccess();

    assertTrue(version.stdout().startsWith("credagent "), version.stdout());
    assertTrue(!version.stderr().contains("AOT cache"), "the cache was passed to the JVM: " + version.stderr());
  }
}
