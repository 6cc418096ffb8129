package dev.credagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * credagent laid out as install.sh lays it out (bin/credagent beside bin/docker-credential-agent,
 * lib/credagent), in the test's own directory, with that bin first on PATH as docker finds helpers.
 */
public final class HelperInstall {
  private HelperInstall() {}

  public static Path helperBinary() {
    return AgentEnvironment.dist().resolve("bin/docker-credential-agent");
  }

  /** The helper linked with no shared library, where it could be built (the static C library); else absent. */
  public static Path staticHelperBinary() {
    return AgentEnvironment.dist().resolve("lib/credagent/docker-credential-agent-static");
  }

  /** Lays out PREFIX under the agent's directory and puts PREFIX/bin first on its PATH. */
  public static Path into(AgentEnvironment agent) throws IOException, InterruptedException {
    Path prefix = agent.root().resolve("prefix");
    Path bin = Files.createDirectories(prefix.resolve("bin"));
    Executables.copy(AgentEnvironment.launcher(), bin.resolve("credagent"));
    Executables.copy(helperBinary(), bin.resolve("docker-credential-agent"));
    Files.createSymbolicLink(prefix.resolve("lib"), AgentEnvironment.dist().resolve("lib").toAbsolutePath());
    agent.env().put("PATH", bin + ":" + System.getenv("PATH"));
    return bin.resolve("docker-credential-agent");
  }

  /** ProcessBuilder looks names up on the test's PATH, not the child's: so, by absolute path. */
  public static Path installed(AgentEnvironment agent) {
    return agent.root().resolve("prefix/bin/docker-credential-agent");
  }

  public static Run helper(AgentEnvironment agent, String action, String stdin) throws Exception {
    return agent.run(List.of(installed(agent).toString(), action), stdin);
  }

  /** The vault home, made as the daemon makes it (0700): a home of the user's, where a daemon may be started. */
  public static void ownHome(AgentEnvironment agent) throws Exception {
    Files.createDirectories(agent.home(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
  }
}
