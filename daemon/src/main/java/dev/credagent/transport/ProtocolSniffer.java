package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * One socket, three framings: JSON lines (which start with '{' or blank space), the native
 * helper's relay frame (which starts with "credential-helper/") and the native credagent's
 * command frame ("credagent/"). The first bytes decide, then this handler steps aside.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
  private static final int DISTINCT_PREFIX = 5;
  private final RequestHandler requests;
  private final RelayHandler relay;
  private final CommandRelay commands;
  private final ServerLimits limits;
  private final InputBudget budget;
  private final ConnectionLimit connections;
  private final AnswerFlush flush;

  ProtocolSniffer(RequestHandler requests, RelayHandler relay, CommandRelay commands, ServerLimits limits,
      InputBudget budget, ConnectionLimit connections, AnswerFlush flush) {
    this.flush = flush;
    this.requests = requests;
    this.relay = relay;
    this.commands = commands;
    this.limits = limits;
    this.budget = budget;
    this.connections = connections;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    if (in.getByte(in.readerIndex()) == RelayFrameDecoder.MAGIC.charAt(0)) {
      // "credential-helper/" and "credagent/" part at their fifth byte.
      if (in.readableBytes() < DISTINCT_PREFIX) {
        return;
      }
      if (in.getByte(in.readerIndex() + DISTINCT_PREFIX - 1) == CommandFrameDecoder.MAGIC.charAt(DISTINCT_PREFIX - 1)) {
        ctx.pipeline().addAfter(ctx.name(), null, new CommandChannelHandler(commands, flush));
        ctx.pipeline().addAfter(ctx.name(), null, new CommandFrameDecoder(budget, limits, connections));
      } else {
        ctx.pipeline().addAfter(ctx.name(), null, new RelayChannelHandler(relay, flush));
        ctx.pipeline().addAfter(ctx.name(), null, new RelayFrameDecoder(budget, limits, connections));
      }
    } else {
      ctx.pipeline().addAfter(ctx.name(), null, new LineHandler(requests, limits, flush));
      ctx.pipeline().addAfter(ctx.name(), null, new RequestLineDecoder(budget, limits, connections));
    }
    ctx.pipeline().remove(this);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    super.userEventTriggered(ctx, event);
    if (event instanceof ChannelInputShutdownEvent && ctx.pipeline().context(this) != null) {
      ctx.close(); // shut down before sending a byte: there is nothing to answer
    }
  }
}
