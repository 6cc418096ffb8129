package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.credagent.files.CurrentUser;
import dev.credagent.protocol.Response;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's lines are written once per event-loop turn, before that turn's answers leave:
 * once, whichever doors the server has. Each door's handler forwarded the sync, and the server
 * ran every door's, so one turn wrote (synced) the audit log twice; and a connection closed when
 * answered synced at once and again at the end of the same turn, with nothing written between.
 */
class AuditSyncPerTurnTest {
  @TempDir Path dir;

  @Test
  void theAuditIsSyncedOncePerTurnNotOncePerDoor() throws Exception {
    AtomicInteger syncs = new AtomicInteger();
    RequestHandler requests = (caller, line) -> CompletableFuture.completedFuture(Response.ok());
    RelayHandler relay = (caller, action, input) -> CompletableFuture.completedFuture(RelayReply.line(0, "x"));
    Path socket = Files.createDirectory(dir.resolve("run")).resolve("agent.sock");
    // As the daemon's: every door answers from the one service, whose audit is synced once a turn.
    AgentServer server = AgentServer.bind(socket, CurrentUser.uid(), ServerLimits.DEFAULT, new Doors(List.of(
        Door.jsonLines(requests), Door.helperRelay(relay), Door.commands(CommandRelay.HAND_EVERYTHING_BACK)),
        syncs::incrementAndGet));
    try {
      answer(socket, "{\"v\":1,\"op\":\"ping\"}\n");
      assertEquals(1, syncs.get(), "syncs in the turn that answered one request");
      answer(socket, "credential-helper/1 get 1\nh");
      assertEquals(2, syncs.get(), "and one in the turn that answered the helper's");
    } finally {
      server.close();
    }
  }

  /** Sends {@code request}, shuts the sending side and reads the answer to its end. */
  static String answer(Path socket, String request) throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      channel.shutdownOutput();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(4096);
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
