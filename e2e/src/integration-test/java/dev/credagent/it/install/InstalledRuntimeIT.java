package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Closing;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.Run;
import dev.credagent.it.registry.Registry;
import dev.credagent.it.registry.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon and the CLI on the runtime install.sh makes (.mvn/make-runtime: six modules, the
 * providers they have), not on the build's JDK: what users run. A TLS login through a private CA
 * and a helper get work, and no Bouncy Castle class is loaded at start (a missing provider in
 * java.security used to make the JDK instantiate Bouncy Castle's: 560 classes and 27 MiB).
 */
class InstalledRuntimeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;
  private Registry registry;
  private Path prefix;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
    assumeTrue(Files.isExecutable(jlink), "needs a JDK with jlink to run the tests on");
    agent = new AgentEnvironment();
    prefix = agent.root().resolve("prefix");
    Path bin = Files.createDirectories(prefix.resolve("bin"));
    Path lib = Files.createDirectories(prefix.resolve("lib/credagent/jars"));
    dev.credagent.it.Executables.copy(AgentEnvironment.launcher(), bin.resolve("credagent"));
    dev.credagent.it.Executables.copy(HelperInstall.helperBinary(), bin.resolve("docker-credential-agent"));
    // install.sh's lib/credagent (its make-runtime: the runtime, the trimmed jars), less its AOT
    // cache, as this test has always run it; copied from the tree the install tests share.
    Path installed = SharedInstall.prefix().resolve("lib/credagent");
    Files.delete(lib);
    agent.run(List.of("cp", "-a", installed.resolve("jars").toString(), installed.resolve("runtime").toString(),
        installed.resolve("daemon.jvmoptions").toString(), installed.resolve("credagent-jvm").toString(),
        lib.getParent().toString()), "").requireSuccess();
    try (Stream<Path> jars = Files.list(lib)) {
      // Bouncy Castle trimmed to its Argon2, which make-runtime puts in place only once it computed
      // the reference's test vector alone: the Java Argon2 of a system without libargon2 works.
      List<String> bouncyCastle = jars.map(jar -> jar.getFileName().toString()).filter(name -> name.startsWith("bcprov")).toList();
      assertEquals(1, bouncyCastle.size(), bouncyCastle.toString());
      assertTrue(bouncyCastle.get(0).endsWith("-argon2.jar"), bouncyCastle.toString());
    }
    agent.env().put("PATH", bin + ":" + System.getenv("PATH"));
    agent.env().remove("JAVA_HOME"); // the launcher must take the runtime beside it
    agent.env().put("HOME", Files.createDirectories(agent.root().resolve("user-home")).toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    Closing.inOrder(registry, agent);
  }

  @Test
  void aTlsLoginAndAHelperGetOnTheInstalledRuntimeWithoutBouncyCastleAtStart() throws Exception {
    Path classes = agent.root().resolve("daemon-classes.txt");
    agent.env().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classes);
    Run unlock = agent.run(List.of(prefix.resolve("bin/credagent").toString(), "unlock", "--passphrase-stdin"), "pw\n");
    unlock.requireSuccess();
    agent.env().remove("JAVA_TOOL_OPTIONS");
    assertEquals(prefix.resolve("lib/credagent/runtime/bin/java").toRealPath(), daemonProgram(agent.daemonPid()),
        "the daemon runs on the installed runtime");
    String loaded = Files.readString(classes);
    assertTrue(loaded.contains("dev.credagent.daemon.Daemon"), "the log is the daemon's");
    assertFalse(loaded.contains("org.bouncycastle"), "no Bouncy Castle class at start");

    Path dir = Files.createDirectories(agent.root().resolve("registry"));
    TestCertificates certificates = TestCertificates.create(dir);
    registry = Registry.withHtpasswdTls(dir, "alice", "s3cret-tls", certificates);
    Path certsD = Files.createDirectories(agent.root().resolve("user-home/.docker/certs.d").resolve(registry.host()));
    Files.copy(certificates.ca(), certsD.resolve("ca.crt"));
    Run login = agent.run(List.of(prefix.resolve("bin/credagent").toString(), "login", "https://" + registry.host(),
        "-u", "alice", "--password-stdin"), "s3cret-tls\n");
    assertEquals(0, login.exitCode(), login.stderr());
    JsonNode got = JSON.readTree(agent.run(List.of(prefix.resolve("bin/docker-credential-agent").toString(), "get"),
        registry.host()).requireSuccess().stdout());
    assertEquals("alice", got.path("Username").asText());
    assertEquals("s3cret-tls", got.path("Secret").asText());
  }

  /**
   * A daemon the helper started loads no picocli (the relayed commands' parser) and no databind
   * mapper until a command is relayed to it: what a session that only runs the helper keeps, and
   * what the AOT cache leaves out. The first relayed command loads the parser; a mapper, never.
   */
  @Test
  void theRelayLoadsOnlyWhenACommandIsRelayed() throws Exception {
    Path classes = agent.root().resolve("daemon-classes.txt");
    agent.env().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classes);
    HelperInstall.ownHome(agent); // the socket is named: the helper starts a daemon on it for a home of ours only
    Run get = agent.run(List.of(prefix.resolve("bin/docker-credential-agent").toString(), "get"), "registry.example.com");
    agent.env().remove("JAVA_TOOL_OPTIONS");
    assertTrue((get.stdout() + get.stderr()).contains("locked"), get.stdout() + get.stderr());
    String loaded = Files.readString(classes);
    assertTrue(loaded.contains("dev.credagent.daemon.Daemon"), "the log is the daemon's");
    assertFalse(loaded.contains(" picocli."), "no picocli before a relayed command");

    Run status = agent.run(List.of(prefix.resolve("bin/credagent").toString(), "status", "--json"), "");
    assertEquals(0, status.exitCode(), status.stderr());
    assertTrue(JSON.readTree(status.stdout()).path("pid").asLong() > 0, status.stdout());
    loaded = Files.readString(classes);
    assertTrue(loaded.contains(" picocli.CommandLine "), "the relayed status ran in the daemon");
    assertFalse(loaded.contains("databind.ObjectMapper"), "answers are read without a mapper");
  }

  /**
   * The program the daemon runs: its /proc exe link where we may read it (root: the daemon is not
   * dumpable, so its own user may not), else the first word of its command line, which is
   * readable by all.
   */
  private static Path daemonProgram(long pid) throws Exception {
    try {
      return Path.of("/proc/" + pid + "/exe").toRealPath();
    } catch (java.io.IOException | SecurityException notDumpable) {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      int end = 0;
      while (end < cmdline.length && cmdline[end] != 0) {
        end++;
      }
      return Path.of(new String(cmdline, 0, end, java.nio.charset.StandardCharsets.UTF_8)).toRealPath();
    }
  }
}
