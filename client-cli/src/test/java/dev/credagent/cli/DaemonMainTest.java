package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.cli.local.StartMain;
import dev.credagent.client.DaemonStarter;
import dev.credagent.daemon.DaemonMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The daemon's entry point is named, not imported, by the client (the CLI does not compile against
 * the daemon's module) and by the launcher script; so is the CLI's fast way into {@code start}:
 * each name is the class's.
 */
class DaemonMainTest {
  @Test
  void theAutostartNamesTheDaemonsEntryPoint() {
    assertEquals(DaemonMain.class.getName(), DaemonStarter.ENTRY_POINT);
  }

  @Test
  void theDaemonNamesTheCliForWhatItDoesNotRun() {
    assertEquals(Main.class.getName(), DaemonMain.CLI_MAIN);
  }

  @Test
  void theLauncherNamesBothEntryPoints() throws IOException {
    String launcher = Files.readString(Path.of("..", "dist", "src", "main", "dist", "lib", "credagent", "credagent-jvm"));
    for (Class<?> main : new Class<?>[] {DaemonMain.class, StartMain.class, Main.class}) {
      assertTrue(launcher.matches("(?s).*main=" + main.getName().replace(".", "\\.") + "[ \n].*"),
          "credagent-jvm names " + main.getName());
    }
  }
}
