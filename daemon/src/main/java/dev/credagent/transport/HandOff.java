package dev.credagent.transport;

import dev.credagent.caller.Caller;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives a connection that {@link FastAcceptor} accepted and checked, but cannot finish itself, to
 * Netty's event loop: a channel over its descriptor with the server's usual handlers, the peer's
 * {@link Caller} already set (so no {@link PeerCheck}), and the connection cap counting it like
 * any other. Whatever the acceptor already did is handed over with it: the bytes it read, the
 * reply it is waiting for, or the rest of an answer the socket would not take at once.
 */
final class HandOff {
  private static final Logger LOG = Logger.getLogger(HandOff.class.getName());
  private final EventLoopGroup group;
  private final ConnectionLimit connections;
  private final Supplier<ChannelHandler> sniffer;

  /** {@code sniffer}: a new {@link ProtocolSniffer} of the server's doors, for each connection. */
  HandOff(EventLoopGroup group, ConnectionLimit connections, Supplier<ChannelHandler> sniffer) {
    this.group = group;
    this.connections = connections;
    this.sniffer = sniffer;
  }

  /**
   * Netty serves the connection as if it had accepted it, the bytes {@code read} (never null,
   * perhaps empty; zeroed once handed on) first: its doors, decoders and deadlines as always.
   */
  void unread(int fd, Caller caller, byte[] read) {
    if (read.length == 0) {
      register(fd, caller, sniffer.get());
    } else {
      register(fd, caller, new Replay(read), sniffer.get());
    }
  }

  /** Netty answers {@code reply} when it completes; {@code handler} asked for it ({@link RelayChannelHandler#awaiting}). */
  void awaiting(int fd, Caller caller, RelayChannelHandler handler) {
    registerWithWork(fd, caller, handler);
  }

  /** Netty writes {@code rest} (zeroed once copied), the part of an answer the socket did not take yet, and closes. */
  void rest(int fd, Caller caller, byte[] rest) {
    registerWithWork(fd, caller, new Rest(rest));
  }

  /**
   * Once the channel over {@code fd} exists it owns the descriptor, and this returns normally
   * whatever happens next (a failure closes the channel); before that, a failure is thrown and
   * {@code fd} is still the caller's to close.
   */
  private void register(int fd, Caller caller, ChannelHandler... handlers) {
    register(fd, caller, false, handlers);
  }

  /** As {@link #register}, for a connection whose request was acted on: the cap lets it in ({@link ConnectionLimit#channelActive}). */
  private void registerWithWork(int fd, Caller caller, ChannelHandler... handlers) {
    register(fd, caller, true, handlers);
  }

  private void register(int fd, Caller caller, boolean carriesWork, ChannelHandler... handlers) {
    EpollDomainSocketChannel channel = new EpollDomainSocketChannel(fd, true); // connected: active at once, no SO_ERROR asked
    if (carriesWork) {
      ConnectionState.of(channel).pending(1); // before the loop sees it: the register's task publishes it
    }
    try {
      // As the server's own children: a client may shut its sending side and still read.
      channel.config().setAllowHalfClosure(true);
      PeerCheck.identified(channel, caller);
      channel.pipeline().addLast(connections).addLast(handlers);
      group.register(channel); // a loop shutting down refuses it, and Netty then closes it
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not hand a connection to the event loop; it is closed", e);
      channel.unsafe().closeForcibly();
    }
  }

  /** Passes the bytes the acceptor read on as the connection's first read, once the cap let it in. */
  private static final class Replay extends ChannelInboundHandlerAdapter {
    private byte[] read;

    Replay(byte[] read) {
      this.read = read;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      ByteBuf first = ctx.alloc().buffer(read.length).writeBytes(read);
      Arrays.fill(read, (byte) 0);
      read = null;
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(first);
      ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (read != null) { // closed before it was let in (the cap): the bytes may be a secret
        Arrays.fill(read, (byte) 0);
        read = null;
      }
    }
  }

  /** Writes the rest of an answer, then closes. */
  static final class Rest extends ChannelInboundHandlerAdapter {
    private byte[] rest;

    Rest(byte[] rest) {
      this.rest = rest;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ConnectionState.of(ctx.channel()).pending(1); // an answer still leaving is no idle connection to evict
      ByteBuf out = ctx.alloc().buffer(rest.length).writeBytes(rest);
      Arrays.fill(rest, (byte) 0);
      rest = null;
      ZeroOnceSent zero = ZeroOnceSent.hold(out); // the buffer holds the rest of a secret until zeroed
      ctx.writeAndFlush(out).addListener(zero).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf stray) { // the client sends nothing more; what it sends anyway is dropped, zeroed
        stray.setZero(stray.readerIndex(), stray.readableBytes());
      }
      io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (rest != null) {
        Arrays.fill(rest, (byte) 0);
        rest = null;
      }
    }
  }
}
