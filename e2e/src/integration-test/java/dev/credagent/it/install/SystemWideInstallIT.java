package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * `sudo ./install.sh --prefix DIR` serves every user of the machine: every installed file is
 * readable by all (the AOT cache was 0600, and every other user's JVM said "Unable to map shared
 * spaces"), and another user runs credagent and the helper from it with nothing unexpected on stderr.
 */
class SystemWideInstallIT {
  private static final String OTHER = "nobody";

  @Test
  void anInstallByRootServesAnotherUserWithACleanStderr() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: installs as root, runs as " + OTHER);
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")),
        "needs runuser (util-linux)");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      Path shared = Files.createTempDirectory("credagent-system-");
      try {
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path prefix = SharedInstall.prefix(); // install.sh --no-build --no-setup --prefix, by root, 0755

        List<String> private_ = new ArrayList<>();
        try (Stream<Path> files = Files.walk(prefix)) {
          for (Path file : files.toList()) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            boolean dir = Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!Files.isSymbolicLink(file) && (!mode.contains(PosixFilePermission.OTHERS_READ)
                || dir && !mode.contains(PosixFilePermission.OTHERS_EXECUTE))) {
              private_.add(prefix.relativize(file) + " " + PosixFilePermissions.toString(mode));
            }
          }
        }
        assertEquals(List.of(), private_, "every installed file is readable by all");

        Path home = Files.createDirectory(shared.resolve("home"));
        Path run = Files.createDirectory(shared.resolve("run"));
        for (Path dir : List.of(home, run)) {
          new ProcessBuilder("chown", OTHER, dir.toString()).start().waitFor();
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        List<String> as = List.of("runuser", "-u", OTHER, "--", "env", "HOME=" + home, "CREDAGENT_HOME=" + home.resolve("credagent"),
            "CREDAGENT_SOCKET=" + run.resolve("agent.sock"), "PATH=" + prefix.resolve("bin") + ":/usr/bin:/bin");
        Run version = agent.run(concat(as, prefix.resolve("bin/credagent").toString(), "--version"), "").requireSuccess();
        assertEquals("", version.stderr());
        Run unlock = agent.run(concat(as, prefix.resolve("bin/credagent").toString(), "unlock", "--passphrase-stdin"), "pw\n")
            .requireSuccess();
        assertEquals("", unlock.stderr());
        agent.run(concat(as, prefix.resolve("bin/credagent").toString(), "store", "r.example", "-u", "alice"), "s3cret\n")
            .requireSuccess();
        Run get = agent.run(concat(as, prefix.resolve("bin/docker-credential-agent").toString(), "get"), "r.example\n")
            .requireSuccess();
        assertTrue(get.stdout().contains("\"Secret\":\"s3cret\""), get.stdout());
        assertEquals("", get.stderr());
        String log = Files.readString(home.resolve("credagent/daemon.log"));
        assertTrue(!log.contains("[aot]") && !log.contains("Unable to map"), log);
        agent.run(concat(as, prefix.resolve("bin/credagent").toString(), "stop"), "");
      } finally {
        new ProcessBuilder("rm", "-rf", shared.toString()).start().waitFor();
      }
    }
  }

  private static List<String> concat(List<String> prefix, String... more) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(more));
    return all;
  }
}
