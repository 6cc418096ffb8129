package dev.credagent.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * At most {@code max} connections. At the cap a new client is still served: the connection that
 * has been idle longest (nothing buffered, nothing unanswered) is closed to make room, as a
 * browser drops its oldest idle keep-alive. Only when every connection is busy is the new one
 * turned away. So 20,000 idle connections cost 256 descriptors and lock nobody out.
 *
 * <p>All connections live on the one event loop, so this needs no locking.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());

  private final int max;
  private final Set<Channel> open = new LinkedHashSet<>();
  private volatile long sequence;
  private long refused;

  ConnectionLimit(int max) {
    this.max = max;
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

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (open.size() >= max && !closeLongestIdle()) {
      if (refused++ % 1000 == 0) { // under a flood, one line per thousand, not one each
        LOG.warning("refused a connection: all " + max + " connections are busy (" + refused + " refused so far)");
      }
      ctx.close();
      return;
    }
    Channel channel = ctx.channel();
    open.add(channel);
    touch(channel);
    channel.closeFuture().addListener(closed -> open.remove(channel));
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
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
    open.remove(oldest);
    oldest.close();
    LOG.fine("closed the longest-idle connection to make room (cap " + max + ")");
    return true;
  }
}
