package dev.credagent.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import dev.credagent.failure.ErrorCode;
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

  private boolean failed;

  /**
   * The frame header at the front of {@code in}: its ASCII text up to the newline (consumed), or
   * null while the newline has not come; a header of {@code maxBytes} without one fails.
   */
  protected final String readHeader(ByteBuf in, int maxBytes, String what) {
    int newline = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + maxBytes), (byte) '\n');
    if (newline < 0) {
      if (in.readableBytes() >= maxBytes) {
        throw fail(in, what + " header longer than " + maxBytes + " bytes");
      }
      return null;
    }
    String header = in.readCharSequence(newline - in.readerIndex(), StandardCharsets.US_ASCII).toString();
    in.skipBytes(1);
    return header;
  }

  /** A header's LENGTH: digits, at most {@code limit}; else the {@code what} frame of {@code payload} fails. */
  protected final int declaredLength(ByteBuf in, String text, int limit, String what, String payload) {
    try {
      return parseLength(text, limit, what, payload);
    } catch (IllegalArgumentException refused) {
      throw fail(in, refused.getMessage());
    }
  }

  /** {@link #declaredLength}'s rule alone: an {@link IllegalArgumentException} says why {@code text} is refused. */
  static int parseLength(String text, int limit, String what, String payload) {
    long declared;
    try {
      declared = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " header without a length");
    }
    if (declared < 0 || declared > limit) {
      throw new IllegalArgumentException(payload + " of " + declared + " bytes; the limit is " + limit);
    }
    return (int) declared;
  }

  /**
   * The {@link HeaderAttributes} of a header's trailing {@code fields}; a key not in the table, a
   * key twice or a value not strictly encoded fails the {@code what} frame, nothing done.
   */
  protected final HeaderAttributes attributes(ByteBuf in, java.util.List<String> fields, String what) {
    try {
      return HeaderAttributes.parse(fields);
    } catch (IllegalArgumentException e) {
      throw fail(in, "not a " + what + " header: " + e.getMessage());
    }
  }

  /** The next {@code length} bytes, copied out and zeroed where they were: they may be a secret. */
  protected static byte[] takePayload(ByteBuf in, int length) {
    byte[] payload = ByteBufUtil.getBytes(in, in.readerIndex(), length);
    in.setZero(in.readerIndex(), length);
    in.skipBytes(length);
    return payload;
  }

  /** Drops what is left of the input, zeroed: after a failure, or after the last frame. */
  protected static void discard(ByteBuf in) {
    in.setZero(in.readerIndex(), in.readableBytes());
    in.skipBytes(in.readableBytes());
  }

  /** Ends this connection's input: what is left is zeroed and dropped, and the one answer is this error. */
  protected final DecoderException fail(ByteBuf in, String message) {
    discard(in);
    failed = true;
    return new DecoderException(message);
  }

  protected final boolean failed() {
    return failed;
  }

  /**
   * Whether a frame's header has been read and consumed and its payload is still awaited: the
   * request is unfinished though no byte of it is held, and its deadline runs.
   */
  protected boolean awaitingPayload() {
    return false;
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
    connections.buffered(ctx.channel(), now, progressed);
    if (!withinBudget) {
      reject(ctx, ErrorCode.BUSY, "the daemon holds too much unfinished input from all its connections; send the request again");
      return;
    }
    // Unfinished: bytes held, or a header consumed whose payload has not come (nothing is held
    // then, and a header alone waited without end).
    boolean unfinished = now > 0 || awaitingPayload();
    if (!unfinished || progressed) {
      cancelDeadline();
    }
    progressed = false;
    if (unfinished && deadline == null) {
      long nanos = limits.requestDeadline().toNanos();
      deadline = ctx.executor().schedule(() -> reject(ctx, ErrorCode.TIMEOUT,
          "the request did not arrive in full within " + limits.requestDeadline().toSeconds() + " s"),
          nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ConnectionLimit.Stalled.INSTANCE) {
      reject(ctx, ErrorCode.TIMEOUT, "the request did not arrive in full within "
          + ConnectionLimit.STALL_GRACE.toSeconds() + " s while the daemon needed its place for a new client");
      return;
    }
    super.userEventTriggered(ctx, event);
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
    if (!cumulation.isReadable() && cumulation.refCnt() == 1 && in.isContiguous()) {
      // Nothing of the old one is left to decode: the read itself becomes the cumulation, with no
      // copy and no new buffer, as in Netty's own merge (one of each per request before).
      wipe(cumulation);
      cumulation.release();
      return in;
    }
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
