package dev.credagent.transport;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueDomainSocketChannel;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;

/**
 * Netty's native Unix-domain transport for this OS: epoll on Linux, kqueue on macOS. Only they
 * can tell us who is on the other end of a connection (SO_PEERCRED, getpeereid).
 */
enum NativeTransport {
  EPOLL {
    @Override
    IoHandlerFactory ioHandlerFactory() {
      return EpollIoHandler.newFactory();
    }

    @Override
    ServerChannel adopt(int fd) {
      return new EpollServerDomainSocketChannel(fd, true); // listening already: accept at once
    }

    @Override
    PeerCredentials peer(Channel channel) throws IOException {
      return ((EpollDomainSocketChannel) channel).peerCredentials();
    }
  },
  KQUEUE {
    @Override
    IoHandlerFactory ioHandlerFactory() {
      return KQueueIoHandler.newFactory();
    }

    @Override
    ServerChannel adopt(int fd) {
      return null; // not on macOS (launchd starts the daemon, which binds its own socket)
    }

    @Override
    PeerCredentials peer(Channel channel) throws IOException {
      return ((KQueueDomainSocketChannel) channel).peerCredentials();
    }
  };

  abstract IoHandlerFactory ioHandlerFactory();

  /**
   * A server channel over the listening socket {@code fd} (systemd's, or one we bound ourselves),
   * accepting once registered; where Netty cannot adopt one (kqueue), see {@link #canAdopt}.
   */
  abstract ServerChannel adopt(int fd);

  /** Whether {@link #adopt} works here: epoll's channel can be made active over a listening fd. */
  boolean canAdopt() {
    return this == EPOLL;
  }

  /** A server channel that Netty binds itself. */
  ServerChannel newServerChannel() {
    return this == EPOLL ? new EpollServerDomainSocketChannel() : new KQueueServerDomainSocketChannel();
  }

  abstract PeerCredentials peer(Channel channel) throws IOException;

  static NativeTransport forThisOs() throws IOException {
    if (Epoll.isAvailable()) {
      return EPOLL;
    }
    if (KQueue.isAvailable()) {
      return KQUEUE;
    }
    throw new IOException("Netty's native transport is unavailable here (epoll: "
        + Epoll.unavailabilityCause() + "; kqueue: " + KQueue.unavailabilityCause() + ")");
  }
}
