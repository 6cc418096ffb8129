package dev.credagent.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.logging.Logger;

/**
 * Serves only connections from our own UID. The socket's 0600 mode and its 0700 directory already
 * keep others out; this holds even where those are loosened by mistake, and root is no exception.
 */
final class PeerCheck extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(PeerCheck.class.getName());

  private final NativeTransport transport;
  private final int allowedUid;

  PeerCheck(NativeTransport transport, int allowedUid) {
    this.transport = transport;
    this.allowedUid = allowedUid;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    int uid;
    try {
      uid = transport.peer(ctx.channel()).uid();
    } catch (IOException e) {
      LOG.warning("closed a connection whose peer could not be identified: " + e.getMessage());
      ctx.close();
      return;
    }
    if (uid != allowedUid) {
      LOG.warning("refused a connection from uid " + uid + " (this daemon serves uid " + allowedUid + " only)");
      ctx.close();
      return;
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }
}
