package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.logging.Logger;

/** Answers one relayed call with {@code EXIT LENGTH\n} and the output, then closes. */
final class RelayChannelHandler extends SimpleChannelInboundHandler<RelayFrameDecoder.Frame> {
  private static final Logger LOG = Logger.getLogger(RelayChannelHandler.class.getName());

  private final RelayHandler relay;

  RelayChannelHandler(RelayHandler relay) {
    this.relay = relay;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RelayFrameDecoder.Frame frame) {
    relay.handle(frame.action(), frame.input()).thenAccept(reply -> send(ctx, reply));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.warning("bad relay frame: " + cause.getMessage());
    String message = cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage();
    send(ctx, RelayReply.line(1, "docker-credential-agent: " + message));
  }

  private static void send(ChannelHandlerContext ctx, RelayReply reply) {
    byte[] header = (reply.exitCode() + " " + reply.output().length + "\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuf out = ctx.alloc().buffer(header.length + reply.output().length);
    out.writeBytes(header).writeBytes(reply.output());
    Arrays.fill(reply.output(), (byte) 0);
    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
  }
}
