package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * `./install.sh --deb` makes a package that apt installs (DebianPackageBuildIT: lintian passes), serves a user who logs
 * in after the install (programs on PATH, man pages, completion, a helper get with the credsStore
 * setup writes), and whose removal leaves that user's vault as it was.
 */
@ResourceLock(SystemResources.MACHINE) // a user, and a package installed
// Alone: the package puts credagent and docker-credential-agent into /usr/bin, on every other
// test's PATH, and its postinst starts a daemon of its own. Two tests that ran beside it in the
// first parallel run had a `credagent unlock` whose output stayed open for 60 s after it exited.
@Isolated
class DebianPackageIT {
  private static final String USER = "credagent-deb-it";
  /** apt-get's postinst trains an AOT cache: minutes on a loaded machine. */
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
  /**
   * apt-get waits up to 2 minutes for dpkg's lock instead of failing at once (exit 100): on a
   * machine shared with other builds, another apt-get held it and failed a whole run. Bounded, and
   * within INSTALL_TIMEOUT.
   */
  private static final String APT_LOCK_WAIT = "DPkg::Lock::Timeout=120";

  @Test
  void aPackageThatAptInstallsServesANormalUserAndItsRemovalKeepsTheVault() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: installs a package");
    for (String tool : List.of("/usr/bin/dpkg-deb", "/usr/bin/apt-get", "/usr/bin/asciidoctor", "/usr/sbin/useradd")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
    }
    assumeTrue(Files.notExists(Path.of("/usr/bin/credagent")), "a credagent is installed system-wide already");
    Path repository = Path.of("..").toAbsolutePath().normalize();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      // Built beside the other tests (DebianPackageBuildIT, which also runs lintian on it), or now.
      Path deb = SharedDeb.deb();
      try {
        Run installed = agent.run(List.of("apt-get", "-o", APT_LOCK_WAIT, "install", "-y", "-q", deb.toString()), "", INSTALL_TIMEOUT).requireSuccess();
        // A package user is told to run setup, or docker keeps its own helper.
        assertTrue(installed.stdout().contains("credagent setup    points docker"), installed.stdout());
        agent.run(List.of("useradd", "-m", "-s", "/bin/bash", USER), "").requireSuccess();
        assertEquals("", asUser(agent, "command -v credagent docker-credential-agent | tr '\\n' ' '").stdout().replace(
            "/usr/bin/credagent /usr/bin/docker-credential-agent ", ""));
        // The commit the build stamped: git's, or .git-commit's in a tree `git archive` made, or
        // "unknown" in a tree with neither (a distribution's source package), which builds and passes too.
        String commit = builtCommit(repository);
        assertTrue(commit.matches("[0-9a-f]{12}|unknown"), commit);
        assertTrue(asUser(agent, "credagent --version").stdout().matches("credagent [0-9.]+ \\(commit " + commit + "\\)\\n"));
        asUser(agent, "printf 'pw\\npw\\n' | credagent unlock --passphrase-stdin && printf 's3cret\\n' | credagent store"
            + " reg.example:5000 -u alice && credagent setup --yes --no-service").requireSuccess();
        Run get = asUser(agent, "grep -q '\"credsStore\": \"agent\"' ~/.docker/config.json"
            + " && echo reg.example:5000 | docker-credential-agent get").requireSuccess();
        assertTrue(get.stdout().contains("\"Secret\":\"s3cret\""), get.stdout());
        assertTrue(asUser(agent, "man -w credagent && man -w credagent-store").requireSuccess().stdout()
            .contains("/usr/share/man/man1/credagent-store.1.gz"));
        if (Files.exists(Path.of("/usr/share/bash-completion/bash_completion"))) {
          Run complete = asUser(agent, "bash -ic '_completion_loader credagent 2>/dev/null; complete -p credagent' 2>/dev/null");
          assertTrue(complete.stdout().contains("-F _credagent_complete credagent"), complete.stdout() + complete.stderr());
        }
        asUser(agent, "credagent stop").requireSuccess();
        Path home = Path.of("/home", USER, ".local/share/credagent");
        byte[] vault = Files.readAllBytes(home.resolve("vault"));
        byte[] journal = Files.readAllBytes(home.resolve("vault.journal"));

        Run removed = agent.run(List.of("apt-get", "-o", APT_LOCK_WAIT, "remove", "--purge", "-y", "-q", "credagent"), "").requireSuccess();
        // The user ran setup and not setup --undo: the removal says so, naming them, and changes nothing of theirs.
        String said = removed.stdout() + removed.stderr(); // apt passes a maintainer script's stderr on either
        assertTrue(said.matches("(?s).*configs still name credagent:[a-z0-9 -]* " + USER + "\\b.*"), said);
        assertEquals("1", asUser(agent, "grep -c '\"credsStore\": \"agent\"' ~/.docker/config.json").stdout().strip(),
            "the user's config is theirs: the removal only read it");
        assertTrue(Files.notExists(Path.of("/usr/bin/credagent")) && Files.notExists(Path.of("/usr/lib/credagent"))
            && Files.notExists(Path.of("/usr/lib/systemd/user/credagent.socket")), "the programs and units are gone");
        org.junit.jupiter.api.Assertions.assertArrayEquals(vault, Files.readAllBytes(home.resolve("vault")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(journal, Files.readAllBytes(home.resolve("vault.journal")));
      } finally {
        agent.run(List.of("apt-get", "-o", APT_LOCK_WAIT, "remove", "--purge", "-y", "-q", "credagent"), "");
        agent.run(List.of("userdel", "-r", USER), "");
      }
    }
  }

  /** What common/pom.xml's stamp-commit wrote for this build. */
  private static String builtCommit(Path repository) throws Exception {
    Path stamp = repository.resolve("common/target/classes/dev/credagent/version/commit.properties");
    return Files.readString(stamp).strip().replaceFirst("^commit=", "");
  }

  /** A login shell of the throwaway user, umask 022 and no LANG, as one who logged in after the install. */
  private static Run asUser(AgentEnvironment agent, String script) throws Exception {
    List<String> command = new ArrayList<>(List.of("runuser", "-l", USER, "-c", "umask 022; unset LANG LC_ALL; " + script));
    return agent.run(command, "");
  }
}
