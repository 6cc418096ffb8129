package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * {@code credential-helper/1 ACTION LENGTH[ KEY=VALUE]...\n} then exactly LENGTH raw bytes: a frame the C
 * relay writes with snprintf and its attributes ({@link HeaderAttributes}), so that it needs no JSON at all. One frame per connection: bytes
 * beyond LENGTH are an error, never a second call, and input that ends short of LENGTH is an
 * error, never a wait.
 */
final class RelayFrameDecoder extends BoundedDecoder {
  static final String MAGIC = RelayHeader.MAGIC;
  static final int MAX_INPUT_BYTES = RelayHeader.MAX_INPUT_BYTES;

  /** One relayed call; {@code attributes}: what its header said of the requester (its terminal, display). */
  record Frame(String action, byte[] input, HeaderAttributes attributes) {
    Frame(String action, byte[] input) {
      this(action, input, HeaderAttributes.NONE);
    }

    /** The requester's controlling terminal, or null. */
    String terminal() {
      return attributes.terminal();
    }
  }

  private String action;
  private HeaderAttributes attributes = HeaderAttributes.NONE;
  private int length = -1;
  private boolean done;

  RelayFrameDecoder(InputBudget budget, ServerLimits limits, ConnectionLimit connections) {
    super(budget, limits, connections);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (done || failed()) {
      // The one call is being answered; the C relay sends nothing more. Whatever comes is dropped.
      discard(in);
      return;
    }
    if (length < 0) {
      String header = readHeader(in, HeaderAttributes.MAX_HEADER_BYTES, "relay");
      if (header == null) {
        return;
      }
      parseHeader(in, header);
    }
    if (in.readableBytes() < length) {
      return;
    }
    if (in.readableBytes() > length) {
      throw fail(in, "the relay frame has " + (in.readableBytes() - length) + " bytes beyond its declared length "
          + length + "; nothing was done");
    }
    byte[] input = takePayload(in, length);
    done = true;
    progressed();
    out.add(new Frame(action, input, attributes));
  }

  @Override
  protected boolean awaitingPayload() {
    return length >= 0 && !done && !failed();
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!done && !failed() && (length >= 0 || in.isReadable())) {
      throw fail(in, length < 0 ? "the relay header ended without a newline"
          : "the relay frame ended after " + in.readableBytes() + " of its " + length + " bytes");
    }
  }

  private void parseHeader(ByteBuf in, String header) {
    RelayHeader parsed;
    try {
      parsed = RelayHeader.parse(header);
    } catch (IllegalArgumentException refused) {
      throw fail(in, refused.getMessage());
    }
    attributes = parsed.attributes();
    length = parsed.length();
    action = parsed.action();
  }
}
