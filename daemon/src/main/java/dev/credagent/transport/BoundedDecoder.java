package dev.credagent.transport;

import dev.credagent.protocol.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A decoder whose unfinished input is bounded in bytes (the daemon-wide {@link InputBudget}) and
 * in time (a request must arrive within the deadline of its first byte, or of the last request
 * that completed), and whose buffers are zeroed before Netty drops them: they may hold a secret.
 */
abstract class BoundedDecoder extends ByteToMessageDecoder {
  private final InputBudget budget;
  private final ServerLimits limits;
  private final ConnectionLimit connections;
  private long held;
  private boolean progressed;
  private ScheduledFuture<?> deadline;

  BoundedDecoder(InputBudget budget, ServerLimits limits, ConnectionLimit connections) {
    this.budget = budget;
    this.limits = limits;
    this.connections = connections;
    setCumulator(BoundedDecoder::zeroingMerge);
  }

  /** Subclasses call this for each whole request they emit: the deadline starts again. */
  protected final void progressed() {
    progressed = true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    connections.touch(ctx.channel());
    super.channelRead(ctx, msg);
    account(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    budget.update(held, 0);
    held = 0;
    cancelDeadline();
  }

  private void account(ChannelHandlerContext ctx) {
    long now = internalBuffer().readableBytes();
    boolean withinBudget = budget.update(held, now);
    held = now;
    ConnectionState.of(ctx.channel()).buffered(now);
    if (!withinBudget) {
      reject(ctx, ErrorCode.BUSY, "the daemon holds too much unfinished input from all its connections; send the request again");
      return;
    }
    if (now == 0 || progressed) {
      cancelDeadline();
    }
    progressed = false;
    if (now > 0 && deadline == null) {
      long nanos = limits.requestDeadline().toNanos();
      deadline = ctx.executor().schedule(() -> reject(ctx, ErrorCode.TIMEOUT,
          "the request did not arrive in full within " + limits.requestDeadline().toSeconds() + " s"),
          nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void reject(ChannelHandlerContext ctx, ErrorCode code, String message) {
    cancelDeadline();
    ByteBuf unfinished = internalBuffer();
    unfinished.setZero(unfinished.readerIndex(), unfinished.readableBytes());
    unfinished.skipBytes(unfinished.readableBytes());
    budget.update(held, 0);
    held = 0;
    ctx.channel().config().setAutoRead(false); // nothing more from this one: it is answered and closed
    ctx.fireExceptionCaught(new InputRejectedException(code, message));
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  /** Netty's merge, but what it copies out of is zeroed before it is released. */
  private static ByteBuf zeroingMerge(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
    try {
      ByteBuf target = cumulation;
      if (cumulation.writableBytes() < in.readableBytes() || cumulation.refCnt() > 1 || cumulation.isReadOnly()) {
        target = alloc.buffer(cumulation.readableBytes() + in.readableBytes());
        target.writeBytes(cumulation, cumulation.readerIndex(), cumulation.readableBytes());
        wipe(cumulation);
        cumulation.release();
      }
      target.writeBytes(in, in.readerIndex(), in.readableBytes());
      return target;
    } finally {
      wipe(in);
      in.release();
    }
  }

  static void wipe(ByteBuf buffer) {
    if (!buffer.isReadOnly() && buffer.refCnt() == 1) {
      buffer.setZero(0, buffer.capacity());
    }
  }
}
