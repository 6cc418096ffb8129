package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What install.sh says next is true: a reinstall of the build the daemon already runs says neither
 * "restart it, it runs the old version" (it did) nor "unlock creates your vault" when one exists
 * (it did).
 */
class ReinstallIT {
  @Test
  void aReinstallOfTheSameBuildSaysWhatIsTrue() throws Exception {
    Path repository = Path.of("..").toAbsolutePath().normalize();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path home = Files.createDirectories(agent.root().resolve("user-home"));
      agent.env().put("HOME", home.toString());
      List<String> install = List.of(repository.resolve("install.sh").toString(), "--no-build", "--small",
          "--prefix", agent.root().resolve("prefix").toString());

      // The install before: a copy of the one tree the install tests share (a jlink saved).
      agent.run(List.of("cp", "-a", SharedInstall.prefix().toString(), agent.root().resolve("prefix").toString()), "")
          .requireSuccess();
      agent.unlock("pw"); // a daemon of this very build, and a vault
      // Bounded as the other installs are: a jlink, should the runtime kept in the build tree be gone, takes minutes on a loaded machine.
      Run again = agent.run(install, "", java.time.Duration.ofMinutes(5)).requireSuccess();
      // The shared install made this build's runtime with this JDK: kept (.mvn/runtime-cache), it is copied, not made again.
      assertTrue(again.stdout().contains("reusing the trimmed Java runtime made for this build"), again.stdout());
      assertTrue(agent.run(List.of(agent.root().resolve("prefix/lib/credagent/runtime/bin/java").toString(), "-version"), "")
          .requireSuccess().stderr().contains("25"));
      assertFalse(again.stdout().contains("still runs the old version"), again.stdout());
      assertFalse(again.stdout().contains("creates your vault"), again.stdout());
      assertTrue(again.stdout().contains("your vault in " + agent.home() + " is kept"), again.stdout());
    }
  }
}
