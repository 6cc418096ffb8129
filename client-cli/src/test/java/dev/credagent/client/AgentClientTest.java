package dev.credagent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.InsecureDirectoryException;
import dev.credagent.protocol.Op;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against sockets it must not trust, and a stand-in daemon (a plain JDK socket, no
 * credagent code) for what it reads back: nothing is sent where the directory is not private, the
 * socket is a link or no socket at all; an answer is the object, an error its code, and a daemon
 * that closes or answers garbage is one clear failure.
 */
class AgentClientTest {
  @TempDir Path dir;

  private Path privateDir(String name) throws IOException {
    return Files.createDirectory(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  private AgentPaths paths(Path socket) {
    return new AgentPaths(dir.resolve("no-home"), socket);
  }

  private static ServerSocketChannel listen(Path socket) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    return server;
  }

  /** Nobody connected: the client gave up before its first byte. */
  private static void noConnection(ServerSocketChannel server) throws IOException {
    server.configureBlocking(false);
    assertNull(server.accept(), "the client connected");
  }

  /** Serves one connection: reads the request line, answers {@code answer} (null: closes), returns the request. */
  private static CompletableFuture<String> answerOnce(ServerSocketChannel server, String answer) {
    return CompletableFuture.supplyAsync(() -> {
      try (SocketChannel client = server.accept()) {
        ByteBuffer request = ByteBuffer.allocate(1 << 16);
        while (request.position() == 0 || request.get(request.position() - 1) != '\n') {
          if (client.read(request) < 0) {
            break;
          }
        }
        if (answer != null) {
          client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
        }
        return new String(request.array(), 0, request.position(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
  }

  @Test
  void nothingIsSentThroughADirectoryOthersCanReach() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path socket = open.resolve("agent.sock");
    try (ServerSocketChannel planted = listen(socket)) {
      assertThrows(InsecureDirectoryException.class, () -> AgentClient.connect(paths(socket)));
      noConnection(planted);
    }
  }

  @Test
  void nothingIsSentThroughALinkOrToWhatIsNoSocket() throws Exception {
    Path run = privateDir("run");
    Path elsewhere = privateDir("elsewhere");
    try (ServerSocketChannel real = listen(elsewhere.resolve("agent.sock"))) {
      Path link = Files.createSymbolicLink(run.resolve("agent.sock"), elsewhere.resolve("agent.sock"));
      InsecureDirectoryException refused = assertThrows(InsecureDirectoryException.class, () -> AgentClient.connect(paths(link)));
      assertTrue(refused.getMessage().contains("not a socket"), refused.getMessage());
      noConnection(real);
    }
    Path file = Files.writeString(run.resolve("file.sock"), "");
    assertThrows(InsecureDirectoryException.class, () -> AgentClient.connect(paths(file)));
  }

  @Test
  void noDaemonIsUnavailableNotAnotherFailure() throws Exception {
    Path socket = privateDir("run").resolve("agent.sock");
    AgentUnavailableException none = assertThrows(AgentUnavailableException.class, () -> AgentClient.connect(paths(socket)));
    assertTrue(none.getMessage().contains(socket.toString()), none.getMessage());
    assertThrows(AgentUnavailableException.class, () -> AgentClient.connect(paths(dir.resolve("missing/agent.sock"))));
  }

  @Test
  void anAnswerIsTheObjectAndAnErrorItsCode() throws Exception {
    Path socket = privateDir("run").resolve("agent.sock");
    try (ServerSocketChannel daemon = listen(socket)) {
      CompletableFuture<String> request = answerOnce(daemon, "{\"v\":1,\"ok\":true,\"version\":\"0.2.0\"}\n");
      try (AgentClient client = AgentClient.connect(paths(socket))) {
        JsonNode answer = client.call(ClientRequest.op(Op.PING));
        assertEquals("0.2.0", answer.path("version").asText());
      }
      assertTrue(request.get(10, TimeUnit.SECONDS).contains("\"op\":\"ping\""), request.get());

      answerOnce(daemon, "{\"v\":1,\"ok\":false,\"error\":{\"code\":\"locked\",\"message\":\"run credagent unlock\"}}\n");
      try (AgentClient client = AgentClient.connect(paths(socket))) {
        AgentErrorException locked = assertThrows(AgentErrorException.class, () -> client.call(ClientRequest.op(Op.LIST)));
        assertEquals("locked", locked.code());
        assertEquals("run credagent unlock", locked.getMessage());
      }
    }
  }

  @Test
  void aDaemonThatClosesOrAnswersGarbageIsOneClearFailure() throws Exception {
    Path socket = privateDir("run").resolve("agent.sock");
    try (ServerSocketChannel daemon = listen(socket)) {
      answerOnce(daemon, null);
      try (AgentClient client = AgentClient.connect(paths(socket))) {
        IOException closed = assertThrows(IOException.class, () -> client.call(ClientRequest.op(Op.PING)));
        assertEquals("the daemon closed the connection without answering", closed.getMessage());
      }
      answerOnce(daemon, "HTTP/1.1 400 Bad Request\n");
      try (AgentClient client = AgentClient.connect(paths(socket))) {
        assertInstanceOf(IOException.class, assertThrows(IOException.class, () -> client.call(ClientRequest.op(Op.PING))));
      }
      answerOnce(daemon, "{\"v\":1,\"ok\":false}\n");
      try (AgentClient client = AgentClient.connect(paths(socket))) {
        AgentErrorException noCode = assertThrows(AgentErrorException.class, () -> client.call(ClientRequest.op(Op.PING)));
        assertEquals("internal", noCode.code(), "an error without a code is internal");
      }
    }
  }
}
