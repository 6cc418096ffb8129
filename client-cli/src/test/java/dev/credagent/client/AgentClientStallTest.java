package dev.credagent.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.files.AgentPaths;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon that is stopped or hung keeps its socket, and its backlog fills. junixsocket's connect
 * timeout did not bound connect() then: `credagent list` waited for an accept that never came, for
 * ever. Now the wait is bounded and said to be a stalled daemon (and no daemon is started over it).
 */
class AgentClientStallTest {
  @Test
  void aDaemonThatNeverAcceptsIsGivenUpWithinTheBound(@TempDir Path dir) throws Exception {
    Path private_ = Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path socket = private_.resolve("agent.sock");
    List<SocketChannel> queued = new ArrayList<>();
    try (ServerSocketChannel stalled = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stalled.bind(UnixDomainSocketAddress.of(socket), 1); // never accepts
      for (int i = 0; i < 16; i++) { // its backlog full, as clients that gave up reading leave it
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.configureBlocking(false);
        queued.add(client);
        try {
          client.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException full) {
          break;
        }
      }
      // A bound of 300 ms, not the 10 s a user's connect waits: the same code path, without the wait.
      IOException stuck = assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> assertThrows(IOException.class, () -> AgentClient.connect(new AgentPaths(private_, socket), 300).close()));
      assertTrue(stuck.getMessage().contains("did not take the connection within 300 ms"), stuck.getMessage());
      assertFalse(stuck instanceof AgentUnavailableException, "a stalled daemon is there: nothing may be started over it");
    } finally {
      for (SocketChannel client : queued) {
        client.close();
      }
    }
  }
}
