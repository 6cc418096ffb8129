package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * `sudo ./install.sh` in another user's clone installed into root's ~/.local, pointed root's docker
 * at credagent, and left root-owned files in the clone that the user's next build could not clean.
 * It must refuse before writing anything and say what works; a system-wide install from a tree the
 * user built (`--no-build --prefix`) is still allowed.
 */
class InstallAsRootIT {
  private static final String OWNER = "nobody";

  @Test
  void rootInAnotherUsersTreeIsRefusedBeforeAnythingIsWritten() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: runs install.sh as root in " + OWNER + "'s tree");
    Path repository = Path.of("..").toAbsolutePath().normalize();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path tree = Files.createDirectories(agent.root().resolve("clone"));
      Files.copy(repository.resolve("install.sh"), tree.resolve("install.sh"), StandardCopyOption.COPY_ATTRIBUTES);
      Files.createDirectories(tree.resolve(".mvn"));
      Files.copy(repository.resolve(".mvn/find-jdk"), tree.resolve(".mvn/find-jdk"), StandardCopyOption.COPY_ATTRIBUTES);
      agent.run(List.of("chown", "-R", OWNER, tree.toString()), "").requireSuccess();
      Path rootHome = Files.createDirectories(agent.root().resolve("root-home"));
      List<String> before = listing(tree);

      for (List<String> args : List.<List<String>>of(List.of(), List.of("--no-setup"), List.of("--prefix", agent.root().resolve("p").toString()),
          List.of("--deb", agent.root().resolve("deb").toString()))) {
        Run refused = agent.run(command(tree, rootHome, args), "");
        assertEquals(1, refused.exitCode(), args + ": " + refused.stdout() + refused.stderr());
        assertTrue(refused.stderr().contains("this tree belongs to " + OWNER + ", and you are root. Run ./install.sh as " + OWNER),
            refused.stderr());
        assertEquals(before, listing(tree), args + ": nothing written in the tree");
        assertEquals(List.of(), listing(rootHome), args + ": nothing written in root's home");
      }
      // Installing what the owner built, under a prefix: past the check (it stops later, at nothing built).
      Run allowed = agent.run(command(tree, rootHome, List.of("--no-build", "--prefix", agent.root().resolve("p").toString())), "");
      assertFalse(allowed.stderr().contains("you are root"), allowed.stderr());
    }
  }

  /**
   * Root in its own tree but with a user's HOME (sudo -E, su without -) installed root-owned
   * files into that user's ~/.local and ran setup there. Refused, unless nothing goes into HOME.
   */
  @Test
  void rootWithAnotherUsersHomeIsRefusedUnlessNothingGoesIntoIt() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: runs install.sh as root with " + OWNER + "'s HOME");
    Path repository = Path.of("..").toAbsolutePath().normalize();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path tree = Files.createDirectories(agent.root().resolve("clone"));
      Files.copy(repository.resolve("install.sh"), tree.resolve("install.sh"), StandardCopyOption.COPY_ATTRIBUTES);
      Path usersHome = Files.createDirectories(agent.root().resolve("users-home"));
      agent.run(List.of("chown", OWNER, usersHome.toString()), "").requireSuccess();
      for (List<String> args : List.<List<String>>of(List.of("--no-build"), List.of("--no-build", "--no-setup"),
          List.of("--no-build", "--prefix", agent.root().resolve("p").toString()))) {
        Run refused = agent.run(command(tree, usersHome, args), "");
        assertEquals(1, refused.exitCode(), args + ": " + refused.stdout() + refused.stderr());
        assertTrue(refused.stderr().contains("HOME (" + usersHome + ") belongs to " + OWNER + ", and you are root"), refused.stderr());
        assertEquals(List.of(), listing(usersHome), args + ": nothing written in the user's home");
      }
      Run allowed = agent.run(command(tree, usersHome, List.of("--no-build", "--no-setup", "--prefix",
          agent.root().resolve("p").toString())), "");
      assertFalse(allowed.stderr().contains("you are root"), allowed.stderr());
    }
  }

  private static List<String> command(Path tree, Path home, List<String> args) {
    return Stream.concat(Stream.of("env", "HOME=" + home, "bash", tree.resolve("install.sh").toString()), args.stream()).toList();
  }

  private static List<String> listing(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.map(dir::relativize).map(Path::toString).filter(name -> !name.isEmpty()).sorted().toList();
    }
  }
}
