package dev.credagent.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * At most {@code max} connections. At the cap a new client is still served: the connection that
 * has been idle longest (nothing buffered, nothing unanswered) is closed to make room, as a
 * browser drops its oldest idle keep-alive. Failing that, the connection whose unfinished request
 * has stalled longest (past {@link #STALL_GRACE}, nothing unanswered) is answered {@code timeout}
 * and closed: a real client writes its request at once, so a request still unfinished after two
 * seconds at the cap is a slow client's (slowloris), and it must not hold a place a new client
 * needs for the whole request deadline (300 of them turned new clients away for 30 s). Only
 * when every connection is busy with work is the new one turned away. So 20,000 idle or stalled
 * connections cost 256 descriptors and lock nobody out.
 *
 * <p>All connections live on the one event loop, so this needs no locking.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());

  /** How long a request may stay unfinished before, at the cap, its place goes to a new client. */
  static final Duration STALL_GRACE = Duration.ofSeconds(2);

  private final int max;
  private final LongSupplier nanoTime;
  private final Set<Channel> open = new LinkedHashSet<>();
  /** {@link #open}'s size, for the Linux fast path's acceptor thread, which must not touch the set. */
  private volatile int openCount;
  private volatile long sequence;
  private long refused;

  ConnectionLimit(int max) {
    this(max, System::nanoTime);
  }

  /** {@code nanoTime}: the monotonic clock stalls are measured on (tests advance their own). */
  ConnectionLimit(int max, LongSupplier nanoTime) {
    this.max = max;
    this.nanoTime = nanoTime;
  }

  /**
   * {@code bytes} of an unfinished request are buffered on {@code channel}; {@code restarted}: a
   * whole request was just taken out of them, so what is left is a new request's start.
   */
  void buffered(Channel channel, long bytes, boolean restarted) {
    ConnectionState.of(channel).buffered(bytes, restarted, nanoTime.getAsLong());
  }

  /** Marks activity on a connection, for choosing which idle one to close first. */
  void touch(Channel channel) {
    ConnectionState.of(channel).touched(++sequence);
  }

  long activity() {
    return sequence;
  }

  int open() {
    return open.size();
  }

  /**
   * Whether every place is taken (any thread): the Linux fast path then acts on no request itself
   * and leaves the connection to this cap unread, as Netty's path does, since a request acted on
   * and then turned away here is a store done but never answered. The count may lag a hand-off
   * or two not yet active; those are let in over the cap ({@link #channelActive}).
   */
  boolean atCap() {
    return openCount >= max;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    // A connection the fast path handed over with its request already acted on (an answer pending
    // or still leaving) is let in over the cap, up to twice it: turning it away loses that answer.
    boolean carriesWork = !ConnectionState.of(ctx.channel()).isIdle();
    if (open.size() >= max && !closeLongestIdle() && !closeLongestStalled() && !(carriesWork && open.size() < 2 * max)) {
      if (refused++ % 1000 == 0) { // under a flood, one line per thousand, not one each
        LOG.warning("refused a connection: all " + max + " connections are busy (" + refused + " refused so far)");
      }
      ctx.close();
      return;
    }
    Channel channel = ctx.channel();
    open.add(channel);
    openCount = open.size();
    touch(channel);
    channel.closeFuture().addListener(closed -> forget(channel));
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }

  private void forget(Channel channel) {
    open.remove(channel);
    openCount = open.size();
  }

  /** Closes every connection: the server is closing. On the event loop. */
  void closeAll() {
    for (Channel channel : List.copyOf(open)) {
      channel.close();
    }
  }

  private boolean closeLongestIdle() {
    Channel oldest = null;
    for (Channel channel : open) {
      ConnectionState state = ConnectionState.of(channel);
      if (state.isIdle() && (oldest == null || state.lastActive() < ConnectionState.of(oldest).lastActive())) {
        oldest = channel;
      }
    }
    if (oldest == null) {
      return false;
    }
    forget(oldest);
    oldest.close();
    LOG.fine("closed the longest-idle connection to make room (cap " + max + ")");
    return true;
  }

  /**
   * Makes room by ending the connection whose unfinished request started longest ago, if that was
   * more than {@link #STALL_GRACE} ago; its decoder answers {@code timeout}, zeroes what it held
   * and closes it ({@link Stalled}).
   */
  private boolean closeLongestStalled() {
    long now = nanoTime.getAsLong();
    Channel oldest = null;
    for (Channel channel : open) {
      ConnectionState state = ConnectionState.of(channel);
      if (state.isStalledSince(now - STALL_GRACE.toNanos())
          && (oldest == null || state.unfinishedSince() - ConnectionState.of(oldest).unfinishedSince() < 0)) {
        oldest = channel;
      }
    }
    if (oldest == null) {
      return false;
    }
    forget(oldest);
    oldest.pipeline().fireUserEventTriggered(Stalled.INSTANCE);
    return true;
  }

  /** The event that tells a connection's decoder its stalled request lost its place. */
  enum Stalled {
    INSTANCE
  }
}
