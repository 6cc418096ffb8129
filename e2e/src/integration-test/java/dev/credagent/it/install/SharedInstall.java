package dev.credagent.it.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One {@code install.sh --no-build --no-setup --prefix DIR} for all the tests of an installed tree
 * (SystemWideInstallIT, PamIT, InstalledRuntimeIT), made by the first that asks and removed when
 * the test JVM exits. Each of them used to install for itself, and each install makes a jlink'd
 * runtime, trims Bouncy Castle and trains an AOT cache: a minute of CPU, five times over. DIR is
 * readable by every user (0755), as a system-wide prefix is; the tests only read the tree, and
 * each runs its own homes, sockets and users.
 */
public final class SharedInstall {
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
  private static Path prefix;

  private SharedInstall() {}

  /** The installed PREFIX (bin/credagent, lib/credagent/runtime, ...), installed on first use. */
  public static synchronized Path prefix() throws Exception {
    if (prefix == null) {
      Path shared = Files.createTempDirectory("credagent-installed-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> remove(shared)));
      Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path into = shared.resolve("usr-local");
      Path repository = Path.of("..").toAbsolutePath().normalize();
      Path log = shared.resolve("install.log");
      ProcessBuilder install = new ProcessBuilder(repository.resolve("install.sh").toString(), "--no-build", "--no-setup",
          "--prefix", into.toString()).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      install.environment().put("JAVA_HOME", System.getProperty("java.home"));
      Process process = install.start();
      if (!process.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("install.sh did not finish within " + INSTALL_TIMEOUT + ": " + Files.readString(log));
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("install.sh exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      Files.delete(log);
      prefix = into;
    }
    return prefix;
  }

  private static void remove(Path dir) {
    try {
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    } catch (IOException | InterruptedException e) {
      // left for the OS's tmp cleaning
    }
  }
}
