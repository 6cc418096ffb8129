package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class path with a broken provider of the command tree (a META-INF/services file naming a class
 * that is not there: a stale or damaged jar beside ours): the daemon starts without the tree, as
 * when its jar is missing, and hands every command line back. It exited at start with
 * ServiceConfigurationError's stack trace, and the helper's get had no daemon.
 */
class CommandTreeLoadTest {
  @Test
  void aProviderThatCannotBeLoadedIsNoCommandTreeNotAFailedStart(@TempDir Path dir) throws Exception {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve("dev.credagent.transport.CommandRelayProvider"), "dev.credagent.nowhere.Gone\n");
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, DaemonMain.class.getClassLoader())) {
      assertTrue(DaemonMain.commandTree(loader).isEmpty());
    }
  }
}
