package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's entry point on the daemon's own class path (this module's: no command tree, no
 * picocli), as in an installation whose jars are incomplete: what it cannot run it says in one
 * line, with the usage exit code, never a stack trace.
 */
class DaemonMainTest {
  @Test
  void withoutTheCommandTreeALineItDoesNotRunIsOneLineAndUsage(@TempDir Path home) throws Exception {
    Process daemon = start(home, "daemon", "--help");
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS)); // a line or two: the pipes never fill
    String err = new String(daemon.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out = new String(daemon.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, daemon.exitValue(), err);
    assertEquals("", out);
    assertEquals("credagent: the command tree (credagent-commands's jar) is not on the class path:"
        + " only `daemon` and `daemon --detached` run without it\n", err);
  }

  private static Process start(Path home, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), DaemonMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CREDAGENT_HOME", home.resolve("home").toString());
    builder.environment().put("CREDAGENT_SOCKET", home.resolve("run/agent.sock").toString());
    return builder.start();
  }
}
