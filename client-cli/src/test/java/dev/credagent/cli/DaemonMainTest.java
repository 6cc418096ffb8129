package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.client.DaemonStarter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The daemon's entry point is named, not imported, by the client (which sits below the command
 * tree) and by the launcher script: each name is the class's.
 */
class DaemonMainTest {
  @Test
  void theAutostartNamesThisClass() {
    assertEquals(DaemonMain.class.getName(), DaemonStarter.ENTRY_POINT);
  }

  @Test
  void theLauncherNamesThisClass() throws IOException {
    String launcher = Files.readString(Path.of("..", "dist", "src", "main", "dist", "lib", "credagent", "credagent-jvm"));
    assertTrue(launcher.contains("main=" + DaemonMain.class.getName() + " "), "credagent-jvm names " + DaemonMain.class.getName());
  }
}
