package dev.credagent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.InsecureDirectoryException;
import dev.credagent.share.ShareMarker;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autostart's decisions before a JVM is spawned: a daemon that answers is left alone, an
 * ended share's path gets no daemon in its place, a home or socket directory others can reach is
 * refused, and a tree without the installed layout says what is missing. The start itself (a
 * daemon process) is the ITs' (LifecycleIT, HelperBinaryIT).
 */
class DaemonStarterTest {
  @TempDir Path dir;

  private Path privateDir(String name) throws IOException {
    return Files.createDirectory(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @Test
  void aDaemonThatAnswersIsLeftAlone() throws Exception {
    AgentPaths paths = new AgentPaths(privateDir("home"), privateDir("run").resolve("agent.sock"));
    try (ServerSocketChannel daemon = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      daemon.bind(UnixDomainSocketAddress.of(paths.socket()));
      CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
        try (SocketChannel client = daemon.accept()) {
          client.read(java.nio.ByteBuffer.allocate(1)); // until the starter hangs up
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      DaemonStarter.start(paths, false);
      accepted.join();
    }
    assertFalse(Files.exists(paths.log()), "nothing was started: no log was opened");
  }

  @Test
  void anEndedSharesPathGetsNoDaemon() throws Exception {
    Path run = privateDir("run");
    Path socket = run.resolve("agent.sock");
    Files.writeString(ShareMarker.of(socket), "credagent share agent\n");
    AgentPaths paths = new AgentPaths(dir.resolve("home"), socket);
    AgentUnavailableException ended = assertThrows(AgentUnavailableException.class, () -> DaemonStarter.start(paths, false));
    assertTrue(ended.getMessage().contains("has ended"), ended.getMessage());
    assertFalse(Files.exists(paths.home()), "no vault home was made for it");
    assertFalse(Files.exists(DaemonStarter.startLock(socket)));
  }

  @Test
  void aDirectoryOthersCanReachIsRefusedBeforeAnythingIsMadeInIt() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    AgentPaths socketInOpen = new AgentPaths(privateDir("home"), open.resolve("agent.sock"));
    assertThrows(InsecureDirectoryException.class, () -> DaemonStarter.start(socketInOpen, false));
    assertEquals(0, Files.list(open).count(), "no lock file, no socket");

    AgentPaths homeOpen = new AgentPaths(open, privateDir("run").resolve("agent.sock"));
    assertThrows(InsecureDirectoryException.class, () -> DaemonStarter.start(homeOpen, false));
    assertFalse(Files.exists(homeOpen.log()));
  }

  @Test
  void withoutTheInstalledOptionsTheStartSaysWhatIsMissing() throws Exception {
    // The test's class path is a build tree: no lib/credagent/daemon.jvmoptions beside the classes.
    AgentPaths paths = new AgentPaths(privateDir("home"), privateDir("run").resolve("agent.sock"));
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> DaemonStarter.start(paths, false));
    assertTrue(missing.getMessage().contains("daemon.jvmoptions") && missing.getMessage().contains("reinstall"),
        missing.getMessage());
    assertFalse(Files.exists(paths.socket()));
  }

  @Test
  void theStartLockLiesBesideTheSocket() {
    assertEquals(Path.of("/run/user/1000/credagent/agent.sock.start"),
        DaemonStarter.startLock(Path.of("/run/user/1000/credagent/agent.sock")));
  }

  @Test
  void theDaemonReadsFileNamesAsUtf8WhereTheLocaleWouldNotAndKeepsTheOtherCategories() {
    java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of("LC_ALL", "C", "LC_TIME", "de_DE"));
    DaemonStarter.utf8FileNames(env, "ANSI_X3.4-1968", "Linux");
    assertEquals(java.util.Map.of("LANG", "C", "LC_CTYPE", "C.UTF-8"), env);

    java.util.Map<String, String> none = new java.util.HashMap<>();
    DaemonStarter.utf8FileNames(none, "ANSI_X3.4-1968", "Linux");
    assertEquals(java.util.Map.of("LC_CTYPE", "C.UTF-8"), none, "no LANG at all: the POSIX locale");

    java.util.Map<String, String> utf8 = new java.util.HashMap<>(java.util.Map.of("LC_ALL", "C"));
    DaemonStarter.utf8FileNames(utf8, "UTF-8", "Linux");
    assertEquals(java.util.Map.of("LC_ALL", "C"), utf8, "names are UTF-8 already: left alone");
  }

  @Test
  void anAotCacheOlderThanAJarIsNotPassedToTheDaemon(@TempDir Path lib) throws Exception {
    // Java 25 serves a replaced jar's old classes from a cache trained before: the autostart, as
    // credagent-jvm, takes the cache only when it is newer than every jar.
    Path options = Files.writeString(lib.resolve("daemon.jvmoptions"), "-Xss512k\n");
    Path jar = Files.writeString(Files.createDirectory(lib.resolve("jars")).resolve("credagent-daemon-0.2.0.jar"), "jar");
    Path cache = Files.writeString(lib.resolve("credagent.aot"), "cache");
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    Files.setLastModifiedTime(cache, java.nio.file.attribute.FileTime.fromMillis(2_000_000));
    assertTrue(DaemonStarter.aotCache(options).isPresent(), "a cache trained after the jars is taken");

    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(3_000_000));
    assertFalse(DaemonStarter.aotCache(options).isPresent(), "a jar replaced after the cache was trained");
  }
}
