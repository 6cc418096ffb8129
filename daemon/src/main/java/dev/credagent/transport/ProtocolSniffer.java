package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.util.List;

/**
 * One socket, two framings: JSON lines (which start with '{' or blank space) and the native
 * helper's relay frame (which starts with "credential-helper/"). The first byte decides, then
 * this handler steps aside.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
  private final RequestHandler requests;
  private final RelayHandler relay;

  ProtocolSniffer(RequestHandler requests, RelayHandler relay) {
    this.requests = requests;
    this.relay = relay;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    if (in.getByte(in.readerIndex()) == RelayFrameDecoder.MAGIC.charAt(0)) {
      ctx.pipeline().addAfter(ctx.name(), null, new RelayChannelHandler(relay));
      ctx.pipeline().addAfter(ctx.name(), null, new RelayFrameDecoder());
    } else {
      ctx.pipeline().addAfter(ctx.name(), null, new LineHandler(requests));
      ctx.pipeline().addAfter(ctx.name(), null, new LineBasedFrameDecoder(AgentServer.MAX_LINE_BYTES, true, true));
    }
    ctx.pipeline().remove(this);
  }
}
