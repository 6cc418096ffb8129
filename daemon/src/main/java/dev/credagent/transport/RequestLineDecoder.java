package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits JSON-lines input into request lines ({@code byte[]}, without the newline, zeroed in the
 * buffer once copied). A line longer than the limit is discarded up to its newline and reported
 * once; input that ends without a newline is a last line all the same, so that
 * {@code printf '{...}' | socat - UNIX-CONNECT:...} is answered.
 */
final class RequestLineDecoder extends BoundedDecoder {
  private final int maxLineBytes;
  private boolean discarding;

  RequestLineDecoder(InputBudget budget, ServerLimits limits, ConnectionLimit connections) {
    super(budget, limits, connections);
    this.maxLineBytes = limits.maxLineBytes();
  }

  /** One line (or one step of discarding) per call: Netty delivers each before the next is read. */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int newline = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
    if (discarding) {
      int end = newline < 0 ? in.writerIndex() : newline + 1;
      in.setZero(in.readerIndex(), end - in.readerIndex());
      in.readerIndex(end);
      discarding = newline < 0;
      return;
    }
    if (newline < 0) {
      if (in.readableBytes() > maxLineBytes) {
        discarding = true;
        tooLong(ctx);
      }
      return;
    }
    int length = newline - in.readerIndex();
    if (length > maxLineBytes) {
      in.setZero(in.readerIndex(), length + 1);
      in.readerIndex(newline + 1);
      tooLong(ctx);
      return;
    }
    out.add(take(in, length, 1));
  }

  private void tooLong(ChannelHandlerContext ctx) {
    ctx.fireExceptionCaught(new TooLongFrameException("request line longer than " + maxLineBytes + " bytes"));
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    // Netty has decoded every whole line by now: what is left has no newline.
    if (in.isReadable() && !discarding) {
      out.add(take(in, in.readableBytes(), 0));
    }
  }

  private byte[] take(ByteBuf in, int length, int delimiter) {
    byte[] line = ByteBufUtil.getBytes(in, in.readerIndex(), length);
    in.setZero(in.readerIndex(), length + delimiter); // it may hold a passphrase or a secret
    in.skipBytes(length + delimiter);
    progressed();
    return line;
  }
}
