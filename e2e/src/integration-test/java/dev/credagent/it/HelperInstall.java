package dev.credagent.helper.it;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * credagent laid out as install.sh lays it out (bin/credagent beside bin/docker-credential-agent,
 * lib/credagent), in the test's own directory, with that bin first on PATH as docker finds helpers.
 */
final class HelperInstall {
  private HelperInstall() {}

  static Path helperBinary() {
    return AgentEnvironment.dist().resolve("bin/docker-credential-agent");
  }

  /** The helper linked with no shared library, where it could be built (the static C library); else absent. */
  static Path staticHelperBinary() {
    return AgentEnvironment.dist().resolve("lib/credagent/docker-credential-agent-static");
  }

  /** Lays out PREFIX under the agent's directory and puts PREFIX/bin first on its PATH. */
  static Path into(AgentEnvironment agent) throws IOException {
    Path prefix = agent.root().resolve("prefix");
    Path bin = Files.createDirectories(prefix.resolve("bin"));
    Files.copy(AgentEnvironment.launcher(), bin.resolve("credagent"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(helperBinary(), bin.resolve("docker-credential-agent"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.createSymbolicLink(prefix.resolve("lib"), AgentEnvironment.dist().resolve("lib").toAbsolutePath());
    agent.env().put("PATH", bin + ":" + System.getenv("PATH"));
    return bin.resolve("docker-credential-agent");
  }

  /** ProcessBuilder looks names up on the test's PATH, not the child's: so, by absolute path. */
  static Path installed(AgentEnvironment agent) {
    return agent.root().resolve("prefix/bin/docker-credential-agent");
  }

  static Run helper(AgentEnvironment agent, String action, String stdin) throws Exception {
    return agent.run(List.of(installed(agent).toString(), action), stdin);
  }
}
