package dev.credagent.it.install;

import dev.credagent.it.AgentEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one {@code install.sh --deb OUT --no-build} of a test run, made by the first test that asks:
 * {@link DebianPackageBuildIT} early, beside the other tests, so that {@link DebianPackageIT}, which
 * runs alone since it installs into /usr, spends its time alone installing, not building. Its
 * directory goes when the test JVM exits.
 */
final class SharedDeb {
  /** install.sh makes or copies a runtime and dpkg-deb packs 50 MiB: minutes on a loaded machine. */
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
  private static Path deb;

  private SharedDeb() {}

  /** The package, built on first use. */
  static synchronized Path deb() throws Exception {
    if (deb == null) {
      // After the shared install: it keeps this build's runtime (.mvn/runtime-cache), which the package copies.
      SharedInstall.prefix();
      AgentEnvironment agent = new AgentEnvironment();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          agent.close();
        } catch (Exception ignored) {
          // left for the OS's tmp cleaning
        }
      }));
      Path out = Files.createDirectories(agent.root().resolve("deb"));
      Path repository = Path.of("..").toAbsolutePath().normalize();
      // gzip, not xz: the same package, packed 8 times faster (dpkg-deb reads the variable; install.sh passes it on).
      agent.env().putAll(Map.of("DPKG_DEB_COMPRESSOR_TYPE", "gzip"));
      agent.run(List.of(repository.resolve("install.sh").toString(), "--deb", out.toString(), "--no-build"), "", BUILD_TIMEOUT)
          .requireSuccess();
      try (Stream<Path> files = Files.list(out)) {
        deb = files.filter(p -> p.getFileName().toString().matches("credagent_[0-9.]+_[a-z0-9]+\\.deb")).findFirst().orElseThrow();
      }
    }
    return deb;
  }
}
