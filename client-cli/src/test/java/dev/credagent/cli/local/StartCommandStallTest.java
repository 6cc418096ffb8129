package dev.credagent.cli.local;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.files.AgentPaths;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `credagent start` with the daemon stopped (SIGSTOP) or hung: the kernel takes the connection
 * into the socket's backlog, so start found a daemon "already running" and then waited for its
 * status answer as long as a prompt may take (120 s). It gives up within its bound and says why.
 */
class StartCommandStallTest {
  @Test
  void aDaemonThatTakesTheConnectionButNeverAnswersIsGivenUpWithinTheBound(@TempDir Path dir) throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path socket = run.resolve("agent.sock");
    try (ServerSocketChannel stalled = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stalled.bind(UnixDomainSocketAddress.of(socket), 8); // connections queue; none is ever read
      // A bound of 300 ms, not the user's 10 s: the same code path, without the wait.
      IOException stuck = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(IOException.class,
          () -> StartCommand.run(new AgentPaths(dir.resolve("home"), socket), false, Duration.ofMillis(300))));
      assertTrue(stuck.getMessage().contains("did not answer within 300 ms"), stuck.getMessage());
      assertTrue(stuck.getMessage().contains("stopped or hung"), stuck.getMessage());
    }
  }
}
