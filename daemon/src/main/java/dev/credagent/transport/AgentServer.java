package dev.credagent.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's Unix-domain socket: one event-loop thread, since every request is short work or is
 * handed to the vault's own thread.
 */
public final class AgentServer implements AutoCloseable {
  /** sun_path is 108 bytes on Linux and 104 on macOS, both counting a terminating NUL. */
  static final int MAX_SOCKET_PATH_BYTES = 103;

  private final EventLoopGroup group;
  private final Channel channel;
  private final Path socket;
  private final ConnectionLimit connections;

  private AgentServer(EventLoopGroup group, Channel channel, Path socket, ConnectionLimit connections) {
    this.group = group;
    this.channel = channel;
    this.socket = socket;
    this.connections = connections;
  }

  /**
   * Binds {@code socket} (which must not exist) 0600 and serves {@code allowedUid} only: JSON
   * lines to {@code requests}, the native helper's frames to {@code relay}.
   */
  public static AgentServer bind(Path socket, int allowedUid, ServerLimits limits, RequestHandler requests,
      RelayHandler relay) throws IOException {
    requireShortEnough(socket);
    NativeTransport transport = NativeTransport.forThisOs();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    InputBudget budget = new InputBudget(limits.inputBudgetBytes());
    ConnectionLimit connections = new ConnectionLimit(limits.maxConnections());
    try {
      Channel channel = new ServerBootstrap()
          .group(group)
          .channel(transport.serverChannel())
          // A client may shut its sending side once it has written its requests: it still reads.
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel child) {
              child.pipeline().addLast(new PeerCheck(transport, allowedUid), connections,
                  new ProtocolSniffer(requests, relay, limits, budget, connections));
            }
          })
          .bind(new DomainSocketAddress(socket.toFile()))
          .syncUninterruptibly()
          .channel();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      return new AgentServer(group, channel, socket, connections);
    } catch (RuntimeException | IOException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e instanceof IOException io ? io : new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
    }
  }

  public Path socket() {
    return socket;
  }

  /** A count that grows with every read on every connection: how busy the daemon has been. */
  public long activity() {
    return connections.activity();
  }

  /** Stops accepting, closes every connection and removes the socket file. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS).syncUninterruptibly();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // Gone already or unremovable: the next daemon replaces a stale socket anyway.
    }
  }

  private static void requireShortEnough(Path socket) throws IOException {
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_SOCKET_PATH_BYTES) {
      throw new IOException("the socket path " + socket + " is " + length + " bytes; Unix sockets allow "
          + MAX_SOCKET_PATH_BYTES + " at most: set CREDAGENT_SOCKET to a shorter path");
    }
  }
}
