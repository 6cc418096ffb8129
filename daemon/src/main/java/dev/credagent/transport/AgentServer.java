package dev.credagent.transport;

import dev.credagent.caller.ShareScope;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
  /** Netty's listening channel; null where {@link #acceptor} owns the listening socket instead. */
  private final Channel channel;
  /** The Linux fast path ({@link FastAcceptor}); null where Netty accepts. */
  private final FastAcceptor acceptor;
  private final Path socket;
  private final ConnectionLimit connections;
  private final AnswerFlush flush;
  /** The inode of the socket file we bound; null for one systemd bound, whose file is systemd's. */
  private final Object boundFile;
  private volatile boolean abandoned;

  private AgentServer(EventLoopGroup group, Channel channel, Path socket, ConnectionLimit connections, Object boundFile,
      AnswerFlush flush) {
    this(group, channel, null, socket, connections, boundFile, flush);
  }

  private AgentServer(EventLoopGroup group, Channel channel, FastAcceptor acceptor, Path socket,
      ConnectionLimit connections, Object boundFile, AnswerFlush flush) {
    this.group = group;
    this.flush = flush;
    this.channel = channel;
    this.acceptor = acceptor;
    this.socket = socket;
    this.connections = connections;
    this.boundFile = boundFile;
  }

  /**
   * Binds {@code socket} (which must not exist) 0600 and serves {@code allowedUid} only, through
   * {@code doors}.
   */
  public static AgentServer bind(Path socket, int allowedUid, ServerLimits limits, Doors doors) throws IOException {
    requireShortEnough(socket);
    return serve(socket, -1, allowedUid, limits, doors, null);
  }

  /**
   * Binds a share's {@code socket}: each caller on it carries {@code share}, which the service
   * holds it to.
   */
  public static AgentServer bindShare(Path socket, int allowedUid, ServerLimits limits, Doors doors, ShareScope share)
      throws IOException {
    requireShortEnough(socket);
    return serve(socket, -1, allowedUid, limits, doors, share);
  }

  /**
   * Serves the listening socket {@code fd} that systemd bound at {@code socket} and handed over;
   * its file stays systemd's (never removed here). A socket bound anywhere else is refused: the
   * clients look for {@code socket}.
   */
  public static AgentServer adopt(int fd, Path socket, int allowedUid, ServerLimits limits, Doors doors) throws IOException {
    return serve(socket, fd, allowedUid, limits, doors, null);
  }

  private static AgentServer serve(Path socket, int inheritedFd, int allowedUid, ServerLimits limits, Doors doors,
      ShareScope share) throws IOException {
    NativeTransport transport = NativeTransport.forThisOs();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    InputBudget budget = new InputBudget(limits.inputBudgetBytes());
    ConnectionLimit connections = new ConnectionLimit(limits.maxConnections());
    // One for the server's one event loop: the answers of a turn leave together, after the audit,
    // which is written once for the turn whichever doors answered in it.
    AnswerFlush flush = new AnswerFlush(doors.beforeAnswersLeave());
    Door.Parts parts = new Door.Parts(limits, budget, connections, flush);
    try {
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group)
          // A client may shut its sending side once it has written its requests: it still reads.
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel child) {
              child.pipeline().addLast(new PeerCheck(transport, allowedUid, share), connections,
                  new ProtocolSniffer(doors.doors(), parts));
            }
          });
      // We bind and listen ourselves, then hand Netty the descriptor as systemd's would be: a
      // server channel Netty bound itself removes its file when closed, even a file that is no
      // longer its own (systemd's, which replaced it).
      if (!transport.canAdopt()) { // kqueue: Netty binds, and removes the file when closed
        if (inheritedFd >= 0) {
          throw new IOException("a socket was handed over (LISTEN_FDS), which only Linux's systemd does here");
        }
        Channel channel = bootstrap.channelFactory(transport::newServerChannel)
            .bind(new DomainSocketAddress(socket.toFile())).syncUninterruptibly().channel();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return new AgentServer(group, channel, socket, connections, inode(socket), flush);
      }
      int fd = inheritedFd >= 0 ? inheritedFd : listen(socket);
      Object boundFile = inheritedFd >= 0 ? null : inode(socket);
      if (share == null) { // the daemon's own socket: the helper's connections are served off Netty where they can be
        if (inheritedFd >= 0) {
          requireBoundAt(socket, boundAddress(fd), () -> closeDescriptor(fd));
        }
        HandOff handOff = new HandOff(group, connections, () -> new ProtocolSniffer(doors.doors(), parts));
        FastAcceptor acceptor = FastAcceptor.start(fd, inheritedFd < 0, allowedUid, doors, parts, handOff);
        if (acceptor != null) {
          return new AgentServer(group, null, acceptor, socket, connections, boundFile, flush);
        }
      }
      Channel channel = bootstrap.channelFactory(() -> transport.adopt(fd)).register().syncUninterruptibly().channel();
      if (inheritedFd >= 0) {
        requireBoundAt(socket, boundAddress(channel), () -> channel.close().syncUninterruptibly());
      }
      return new AgentServer(group, channel, socket, connections, boundFile, flush);
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
    return connections.activity() + (acceptor == null ? 0 : acceptor.served());
  }

  /**
   * Whether clients that connect to the socket's path still reach us: false once the file is gone
   * or another socket was bound there (systemd's credagent.socket starting, which replaces the
   * file). A daemon that nobody can reach any more should stop and hand over.
   */
  public boolean stillReachable() {
    if (boundFile != null && !boundFile.equals(inode(socket))) {
      abandoned = true; // for good: a file that later looks like ours again (a reused inode) is not
    }
    return !abandoned;
  }

  /** Stops accepting, closes every connection and removes the socket file, if it is still ours. */
  @Override
  public void close() {
    if (acceptor != null) {
      acceptor.close(); // first: no connection is handed to the loop that stops next
    } else {
      channel.close().syncUninterruptibly();
    }
    // Every connection is closed here, on its loop, after the hand-offs already queued to it: the
    // loop's shutdown left some open, their descriptors with them (FastAcceptorTest#closeLeavesNoThreadAndNoDescriptor).
    group.submit(connections::closeAll).syncUninterruptibly();
    group.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS).syncUninterruptibly();
    flush.close(); // its loop has stopped: nothing uses its buffers any more
    if (boundFile != null && stillReachable()) { // never remove the file of the socket that replaced ours
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // Gone already or unremovable: the next daemon replaces a stale socket anyway.
      }
    }
  }

  /** A listening Unix socket at {@code socket}, 0600; its descriptor. */
  private static int listen(Path socket) throws IOException {
    Socket listener = Socket.newSocketDomain();
    try {
      listener.bind(new DomainSocketAddress(socket.toFile()));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      listener.listen(NetUtil.SOMAXCONN);
      return listener.intValue();
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw e;
    }
  }

  /** Where a socket we did not bind ourselves is bound (getsockname), or null. */
  private static DomainSocketAddress boundAddress(Channel channel) {
    try {
      return ((Socket) ((UnixChannel) channel).fd()).localDomainSocketAddress();
    } catch (RuntimeException notADomainSocket) {
      return null;
    }
  }

  /** Where the listening socket {@code fd} is bound (getsockname), or null. */
  private static DomainSocketAddress boundAddress(int fd) {
    try {
      return new Socket(fd).localDomainSocketAddress(); // a view of fd: nothing to close
    } catch (RuntimeException notADomainSocket) {
      return null;
    }
  }

  private static void closeDescriptor(int fd) {
    try {
      new Socket(fd).close();
    } catch (IOException ignored) {
      // Closed already: the handed-over socket is refused either way.
    }
  }

  /** Refuses a socket systemd handed over that is not bound at {@code socket}, after {@code release}. */
  private static void requireBoundAt(Path socket, DomainSocketAddress address, Runnable release) throws IOException {
    String bound = address == null ? "an address that is not a path" : address.path();
    if (address == null || !Path.of(address.path()).toAbsolutePath().equals(socket)) {
      release.run();
      throw new IOException("systemd handed over a socket bound at " + bound + ", but credagent's socket is "
          + socket + ": make ListenStream= in credagent.socket and CREDAGENT_SOCKET agree");
    }
  }

  /**
   * The file's identity, or null where there is none: device and inode, and the time of its last
   * status change, since a file made right after another was removed may get the same inode.
   */
  private static Object inode(Path file) {
    try {
      return Files.readAttributes(file, "unix:dev,ino,ctime", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException gone) {
      return null;
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
