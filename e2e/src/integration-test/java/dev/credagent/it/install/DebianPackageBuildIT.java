package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * `./install.sh --deb` makes a package lintian finds no error in. It runs early, beside the other
 * tests: the package it builds is the one {@link DebianPackageIT} then installs, alone.
 */
@Order(1) // after FuzzingIT, the longest lane, and before the rest: DebianPackageIT waits for its package
class DebianPackageBuildIT {
  private static final Duration LINTIAN_TIMEOUT = Duration.ofMinutes(5);

  @Test
  void theDebianPackageHasNoLintianError() throws Exception {
    for (String tool : List.of("/usr/bin/dpkg-deb", "/usr/bin/asciidoctor", "/usr/bin/lintian")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
    }
    Path deb = SharedDeb.deb();
    try (AgentEnvironment agent = new AgentEnvironment()) {
      // Perl reading 50 MiB: 30 s on an idle machine, over a minute beside the other tests.
      Run lintian = agent.run(List.of("/usr/bin/lintian", deb.toString()), "", LINTIAN_TIMEOUT);
      assertTrue(lintian.stdout().lines().noneMatch(line -> line.startsWith("E: ")), lintian.stdout());
    }
  }
}
