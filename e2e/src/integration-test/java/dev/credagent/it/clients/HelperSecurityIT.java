package dev.credagent.it.clients;

import static dev.credagent.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.files.CurrentUser;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Executables;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.Run;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** docker-credential-agent against sockets it must not trust, and many helpers finding no daemon. */
class HelperSecurityIT {
  private static final String STORE = "{\"ServerURL\":\"r.example\",\"Username\":\"alice\",\"Secret\":\"secret-PLANTED\"}\n";
  private AgentEnvironment agent;
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    dir = agent.socket().getParent();
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  private static void assumeRootWithTools() {
    assumeTrue(CurrentUser.uid() == 0, "needs root, to act as another user (nobody)");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/socat")),
        "needs setpriv (util-linux) and socat");
  }

  /**
   * A daemon that is stopped or hung (SIGSTOP, a frozen JVM) keeps its socket, and its backlog fills
   * with helpers that time out reading. From then on connect() itself waited for an accept that never
   * came: the helper, and the docker pull behind it, hung with no bound. Now connect is bounded by
   * the helper's I/O timeout (30 s) and says what happened.
   */
  @Test
  void aDaemonThatNeverAcceptsHoldsTheHelperNoLongerThanItsTimeout() throws Exception {
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    List<java.nio.channels.SocketChannel> queued = new ArrayList<>();
    try (ServerSocketChannel stalled = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stalled.bind(UnixDomainSocketAddress.of(agent.socket()), 1); // never accepts
      for (int i = 0; i < 16; i++) { // fill its backlog, as helpers that timed out reading had
        java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX);
        client.configureBlocking(false);
        queued.add(client);
        try {
          client.connect(UnixDomainSocketAddress.of(agent.socket()));
        } catch (java.io.IOException full) {
          break;
        }
      }
      long started = System.nanoTime();
      Run stuck = helper(agent, "get", "r.example\n"); // before: "did not finish within 60 s"
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      assertEquals(1, stuck.exitCode(), stuck.stdout());
      assertTrue(stuck.stdout().contains("did not take the connection within 30 s"), stuck.stdout());
      assertTrue(seconds < 45, "the helper took " + seconds + " s");
    } finally {
      for (java.nio.channels.SocketChannel client : queued) {
        client.close();
      }
    }
  }

  @Test
  void aListenerPlantedInADirectoryOthersCanReachGetsNothing() throws Exception {
    // Defect 1: with the default socket under /tmp, another user who made the directory first
    // received every password `docker login` stored, and could answer `get` as they liked.
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ServerSocketChannel planted = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      planted.bind(UnixDomainSocketAddress.of(agent.socket()));
      planted.configureBlocking(false);
      for (String action : List.of("store", "get", "list")) {
        Run refused = helper(agent, action, action.equals("store") ? STORE : "r.example\n");
        assertEquals(1, refused.exitCode(), action);
        assertTrue(refused.stdout().contains("refusing to use " + dir) && refused.stdout().contains("mode 755")
            && refused.stdout().contains("chmod 700 " + dir), refused.stdout());
      }
      assertNull(planted.accept(), "the planted listener was never even connected to");
    }
  }

  @Test
  void aDirectoryOfAnotherUserIsRefusedAndRootIsToldToRunAsItsOwner() throws Exception {
    assumeRootWithTools();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    new ProcessBuilder("chown", "65534:65534", dir.toString()).start().waitFor();
    Run refused = helper(agent, "store", STORE);
    assertEquals(1, refused.exitCode());
    // Root finds a user's directory (sudo -E, su without -): run as that user, not elsewhere.
    assertTrue(refused.stdout().contains("refusing " + dir + ": you are root, and it is nobody's; run credagent as nobody"),
        refused.stdout());
  }

  /**
   * Root with a user's HOME (sudo -E, su without -) whose credagent files did not exist yet: the
   * first `list` started a root daemon there and `setup` wrote root-owned ~/.local/share/credagent,
   * ~/.docker/config.json and ~/.config/containers, which the user's own credagent then refused.
   * Every way in refuses before it makes anything, and names the user to run as.
   */
  @Test
  void rootWithAnotherUsersHomeIsToldToRunAsThatUserBeforeAnythingIsMadeThere() throws Exception {
    assumeRootWithTools();
    Path home = Files.createDirectories(agent.root().resolve("nobodys-home"));
    new ProcessBuilder("chown", "65534:65534", home.toString()).start().waitFor();
    agent.env().put("HOME", home.toString());
    String told = "refusing " + home + ": you are root, and it is nobody's; run credagent as nobody";
    Run helper = helper(agent, "store", STORE);
    assertEquals(1, helper.exitCode());
    assertTrue(helper.stdout().contains(told), helper.stdout());
    for (List<String> args : List.of(List.of("list"), List.of("setup", "--yes", "--no-service"), List.of("start"))) {
      List<String> command = new ArrayList<>(List.of(AgentEnvironment.launcher().toString()));
      command.addAll(args);
      Run refused = agent.run(command, "");
      assertTrue(refused.exitCode() != 0 && refused.stderr().contains(told), args + ": " + refused.stdout() + refused.stderr());
    }
    try (java.util.stream.Stream<Path> made = Files.list(home)) {
      assertEquals(List.of(), made.toList(), "nothing made in the user's home");
    }
    assertTrue(Files.notExists(agent.home()) && Files.notExists(agent.socket()), "no daemon, no vault home");
  }

  @Test
  void aDaemonThatDoesNotRunAsUsGetsNothing() throws Exception {
    // The directory and the socket file are ours; only the peer check can tell.
    assumeRootWithTools();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(agent.root(), PosixFilePermissions.fromString("rwx--x--x")); // nobody may pass
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path inbox = Files.createDirectories(agent.root().resolve("inbox"));
    Files.setPosixFilePermissions(inbox, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path received = inbox.resolve("received");
    Process listener = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "/usr/bin/socat", "-u", "UNIX-LISTEN:" + agent.socket(), "CREATE:" + received)
        .redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!Files.exists(agent.socket()) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      new ProcessBuilder("chown", "0:0", agent.socket().toString()).start().waitFor();
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Run refused = helper(agent, "store", STORE);
      assertEquals(1, refused.exitCode());
      assertTrue(refused.stdout().contains("it runs as uid 65534, not as you (uid 0); nothing was sent"), refused.stdout());
      listener.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(!Files.exists(received) || Files.size(received) == 0, "the other user received nothing");
    } finally {
      listener.destroyForcibly();
    }
  }

  @Test
  void eightHelpersFindingNoDaemonStartExactlyOne() throws Exception {
    // Defect 12: each helper spawned `credagent start` and its own JVM; on 2 busy cores several
    // gave up. Now one starts the daemon (directly: credagent-jvm daemon) under the start lock and
    // the others wait for it. The launcher is wrapped to count the starts.
    Path prefix = HelperInstall.installed(agent).getParent().getParent();
    Path starts = agent.root().resolve("starts");
    Files.delete(prefix.resolve("lib"));
    Path lib = Files.createDirectories(prefix.resolve("lib/credagent"));
    Path real = AgentEnvironment.dist().resolve("lib/credagent").toAbsolutePath();
    try (var files = Files.list(real)) {
      for (Path file : files.toList()) {
        Files.createSymbolicLink(lib.resolve(file.getFileName()), file);
      }
    }
    Files.delete(lib.resolve("credagent-jvm"));
    Executables.script(lib.resolve("credagent-jvm"), "#!/bin/sh\necho \"$*\" >> '" + starts + "'\nexec '"
        + real.resolve("credagent-jvm") + "' \"$@\"\n", "rwxr-xr-x");

    HelperInstall.ownHome(agent);
    ExecutorService helpers = Executors.newFixedThreadPool(8);
    try {
      List<Future<Run>> runs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        runs.add(helpers.submit(() -> helper(agent, "get", "r.example\n")));
      }
      for (Future<Run> run : runs) {
        Run locked = run.get();
        assertEquals("the credagent vault is locked; run `credagent unlock`\n", locked.stdout(),
            "every helper reached the one daemon: " + locked.stdout());
      }
    } finally {
      helpers.shutdownNow();
    }
    assertEquals(List.of("daemon --detached --log-after-start"), Files.readAllLines(starts), "one daemon started");
    assertEquals(1, Pattern.compile("listening on").matcher(agent.readLog()).results().count(), agent.readLog());
  }

  /** The helper starts the daemon directly: what stops the start is its error, and the log has the start. */
  @Test
  void aDaemonThatCannotStartSaysWhyThroughTheHelperAndOneThatCanLogsItsStart() throws Exception {
    Path config = agent.root().resolve("bad.toml");
    Files.writeString(config, "idle-ttl = \"1h\"\nmax_ttl = \"8h\"\n");
    agent.env().put("CREDAGENT_CONFIG", config.toString());
    HelperInstall.ownHome(agent);
    Run refused = helper(agent, "get", "r.example\n");
    assertEquals(1, refused.exitCode(), refused.stdout());
    assertTrue(refused.stdout().startsWith("docker-credential-agent: could not start the credagent daemon: credagent: ")
        && refused.stdout().contains("line 2: unknown key 'max_ttl'"), refused.stdout());

    agent.env().remove("CREDAGENT_CONFIG");
    Run locked = helper(agent, "get", "r.example\n");
    assertEquals("the credagent vault is locked; run `credagent unlock`\n", locked.stdout());
    String log = agent.readLog();
    assertTrue(log.contains("listening on " + agent.socket()), "the start's lines are in the log: " + log);
    assertEquals(log.indexOf("listening on"), log.lastIndexOf("listening on"), "once: " + log);
  }
}
