package dev.credagent.it;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.io.BufferedReader;
import java.io.InputStreamReader;

/** The socket spoken to directly, line by line, as a script would: no credagent code involved. */
public final class RawConnection implements AutoCloseable {
  private final SocketChannel channel;
  private final BufferedReader in;

  public RawConnection(Path socket) throws IOException {
    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  static boolean answers(Path socket) {
    try (RawConnection connection = new RawConnection(socket)) {
      return connection.request("{\"v\":1,\"op\":\"ping\"}").contains("\"ok\":true");
    } catch (IOException e) {
      return false;
    }
  }

  /** Sends one line (a newline is added) and returns the answer line. */
  public String request(String line) throws IOException {
    send((line + "\n").getBytes(StandardCharsets.UTF_8));
    return readLine();
  }

  public void send(byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /** Shuts our sending side, as socat does at the end of its input; we can still read. */
  public void shutdownOutput() throws IOException {
    channel.shutdownOutput();
  }

  /** True when the daemon closes this connection within {@code wait} without sending anything more. */
  public boolean closedByDaemonWithin(java.time.Duration wait) throws Exception {
    java.util.concurrent.CompletableFuture<String> next = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return readLine();
      } catch (IOException e) {
        return "error: " + e;
      }
    }, Run.OWN_THREAD);
    try {
      return next.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) == null;
    } catch (java.util.concurrent.TimeoutException stillOpen) {
      channel.close();
      return false;
    }
  }

  /** The next answer line, or null at EOF. */
  public String readLine() throws IOException {
    return in.readLine();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
