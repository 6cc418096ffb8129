package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * {@code credential-helper/1 ACTION LENGTH[ tty=PATH]\n} then exactly LENGTH raw bytes: a frame the C relay
 * writes with one snprintf, so that it needs no JSON at all. One frame per connection: bytes
 * beyond LENGTH are an error, never a second call, and input that ends short of LENGTH is an
 * error, never a wait.
 */
final class RelayFrameDecoder extends BoundedDecoder {
  static final String MAGIC = "credential-helper/1 ";
  static final int MAX_INPUT_BYTES = 1024 * 1024;
  private static final int MAX_HEADER_BYTES = 512;

  /** One relayed call; {@code terminal}: the requester's controlling terminal, or null. */
  record Frame(String action, byte[] input, String terminal) {
    Frame(String action, byte[] input) {
      this(action, input, null);
    }
  }

  private String action;
  private String terminal;
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
      String header = readHeader(in, MAX_HEADER_BYTES, "relay");
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
    out.add(new Frame(action, input, terminal));
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
    String[] parts = header.split(" ");
    if (!header.startsWith(MAGIC) || parts.length < 3 || parts.length > 4) {
      throw fail(in, "not a relay header");
    }
    if (parts.length == 4) {
      terminal = terminal(in, parts[3], "relay");
    }
    length = declaredLength(in, parts[2], MAX_INPUT_BYTES, "relay", "relayed input");
    action = parts[1];
  }
}
