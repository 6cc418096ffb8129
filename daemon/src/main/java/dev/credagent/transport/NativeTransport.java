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
    Class<? extends ServerChannel> serverChannel() {
      return EpollServerDomainSocketChannel.class;
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
    Class<? extends ServerChannel> serverChannel() {
      return KQueueServerDomainSocketChannel.class;
    }

    @Override
    PeerCredentials peer(Channel channel) throws IOException {
      return ((KQueueDomainSocketChannel) channel).peerCredentials();
    }
  };

  abstract IoHandlerFactory ioHandlerFactory();

  abstract Class<? extends ServerChannel> serverChannel();

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
