package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A server on 127.0.0.1 that answers badly: a stalled body, an endless one. The exchange stays bounded. */
class ExchangeTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** Serves one connection with {@code answer} on a thread of its own. */
  private static URI serve(ServerSocket server, Consumer<OutputStream> answer) {
    Thread.ofVirtual().start(() -> {
      try (Socket socket = server.accept()) {
        socket.getInputStream().read(new byte[8192]); // the request, roughly
        answer.accept(socket.getOutputStream());
        Thread.sleep(30_000); // and then nothing
      } catch (IOException | InterruptedException done) {
        // the client gave up
      }
    });
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/token");
  }

  private static void write(OutputStream out, String text) {
    try {
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aBodyThatStallsIsCutAtTheDeadlineNotAfterIt() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      URI uri = serve(server, out -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nx"));
      long start = System.nanoTime();
      assertThrows(HttpTimeoutException.class, () -> Exchange.send(CLIENT,
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), Duration.ofMillis(800), 1 << 20));
      assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "the deadline covers the body");
    }
  }

  @Test
  void aBodyPastTheLimitIsRefusedAsItArrives() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      URI uri = serve(server, out -> {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n");
        write(out, "a".repeat(5_000_000));
      });
      IOException e = assertThrows(IOException.class, () -> Exchange.send(CLIENT, HttpRequest.newBuilder(uri).GET().build(),
          Duration.ofSeconds(20), 1 << 20));
      assertTrue(e.getMessage().contains("larger than 1024 KiB"), e.getMessage());
    }
  }

  @Test
  void anOrdinaryAnswerIsReadWhole() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      URI uri = serve(server, out -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"token\":1}\n"));
      assertArrayEquals("{\"token\":1}\n".getBytes(StandardCharsets.US_ASCII),
          Exchange.send(CLIENT, HttpRequest.newBuilder(uri).GET().build()).body());
    }
  }
}
