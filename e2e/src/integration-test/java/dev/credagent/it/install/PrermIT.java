package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The package's prerm reads every user's ~/.docker/config.json to warn who still names credagent.
 * A user's FIFO there, or a link to /dev/zero, hung `apt remove` for good: it reads only a regular
 * file, its first MiB, for at most a few seconds, and still finds a real config that names us.
 */
@ResourceLock(SystemResources.MACHINE) // a user
class PrermIT {
  private static final String USER = "credagent-prerm-it";
  private static final Duration BOUND = Duration.ofSeconds(30);

  @Test
  void aUsersFifoOrDeviceForADockerConfigNeitherHangsTheRemovalNorHidesARealOne() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: a user of its own, and root's view of homes");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/useradd")), "needs useradd");
    assumeTrue(Files.notExists(Path.of("/usr/lib/credagent")), "a credagent package is installed: its prerm removes the AOT cache");
    Path prerm = Path.of("..").toAbsolutePath().normalize().resolve("packaging/deb/prerm");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.run(List.of("userdel", "-r", USER), "");
      agent.run(List.of("useradd", "-m", "-s", "/bin/bash", USER), "").requireSuccess();
      try {
        for (String planted : List.of("mkfifo ~/.docker/config.json", "ln -s /dev/zero ~/.docker/config.json")) {
          asUser(agent, "mkdir -p ~/.docker && rm -f ~/.docker/config.json && " + planted).requireSuccess();
          Run removal = agent.run(List.of("sh", prerm.toString(), "remove"), "", BOUND);
          assertEquals(0, removal.exitCode(), planted + ": " + removal.stdout() + removal.stderr());
          assertFalse(removal.stderr().contains(USER), planted + ": " + removal.stderr());
        }
        asUser(agent, "rm -f ~/.docker/config.json && printf '{\"credsStore\": \"agent\"}' > ~/.docker/config.json").requireSuccess();
        Run removal = agent.run(List.of("sh", prerm.toString(), "remove"), "", BOUND).requireSuccess();
        assertTrue(removal.stderr().matches("(?s).*configs still name credagent:[a-z0-9 -]* " + USER + "\\b.*"), removal.stderr());
      } finally {
        agent.run(List.of("userdel", "-r", USER), "");
      }
    }
  }

  private static Run asUser(AgentEnvironment agent, String script) throws Exception {
    return agent.run(List.of("runuser", "-l", USER, "-c", script), "");
  }
}
