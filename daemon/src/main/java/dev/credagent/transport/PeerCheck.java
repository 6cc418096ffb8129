package dev.credagent.transport;

import dev.credagent.audit.ClientWarnings;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.AttributeKey;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.logging.Logger;

/**
 * Serves only connections from our own UID. The socket's 0600 mode and its 0700 directory already
 * keep others out; this holds even where those are loosened by mistake, and root is no exception.
 */
final class PeerCheck extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(PeerCheck.class.getName());
  private static final AttributeKey<Caller> CALLER = AttributeKey.valueOf("credagent.caller");

  /** Who is on the other end of {@code channel}, as the kernel said when it connected. */
  static Caller caller(Channel channel) {
    Caller caller = channel.attr(CALLER).get();
    return caller != null ? caller : new Caller(-1, Caller.UNKNOWN_PID);
  }

  /** Records {@code caller} as who is on the other end of {@code channel}: its peer was checked before Netty had it. */
  static void identified(Channel channel, Caller caller) {
    channel.attr(CALLER).set(caller);
  }

  /** The warning for a connection whose peer the kernel would not name: one text whichever path closed it. */
  static void unidentified(String why) {
    LOG.warning("closed a connection whose peer could not be identified: " + why);
  }

  /**
   * Refusals said so far, bounded as clients' bad input is: the daemon log is never rotated, and
   * another uid let in by a loosened mode connects as fast as it likes (500 connections were 500
   * lines). A count of its own, so that a flood of bad frames never hides the first refusal.
   */
  private static final ClientWarnings REFUSALS = new ClientWarnings();

  /** The warning for a connection from another uid: one text whichever path refused it. */
  static void refused(int uid, int allowedUid) {
    String said = REFUSALS.next("refused a connection from uid " + uid + " (this daemon serves uid " + allowedUid + " only)");
    if (said != null) {
      LOG.warning(said);
    }
  }

  private final NativeTransport transport;
  private final int allowedUid;
  private final ShareScope share;

  /** {@code share}: the share this socket is, whose scope every caller on it carries; null for the daemon's own. */
  PeerCheck(NativeTransport transport, int allowedUid, ShareScope share) {
    this.transport = transport;
    this.allowedUid = allowedUid;
    this.share = share;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    int uid;
    try {
      PeerCredentials peer = transport.peer(ctx.channel());
      uid = peer.uid();
      ctx.channel().attr(CALLER).set(new Caller(uid, peer.pid() > 0 ? peer.pid() : Caller.UNKNOWN_PID, share));
    } catch (IOException e) {
      unidentified(e.getMessage());
      ctx.close();
      return;
    }
    if (uid != allowedUid) {
      refused(uid, allowedUid);
      ctx.close();
      return;
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }
}
