package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
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
    if (done) {
      // The one call is being answered; the C relay sends nothing more. Whatever comes is dropped.
      in.setZero(in.readerIndex(), in.readableBytes());
      in.skipBytes(in.readableBytes());
      return;
    }
    if (length < 0) {
      int newline = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + MAX_HEADER_BYTES), (byte) '\n');
      if (newline < 0) {
        if (in.readableBytes() >= MAX_HEADER_BYTES) {
          throw fail(in, "relay header longer than " + MAX_HEADER_BYTES + " bytes");
        }
        return;
      }
      String header = in.readCharSequence(newline - in.readerIndex(), StandardCharsets.US_ASCII).toString();
      in.skipBytes(1);
      parseHeader(in, header);
    }
    if (in.readableBytes() < length) {
      return;
    }
    if (in.readableBytes() > length) {
      throw fail(in, "the relay frame has " + (in.readableBytes() - length) + " bytes beyond its declared length "
          + length + "; nothing was done");
    }
    byte[] input = ByteBufUtil.getBytes(in, in.readerIndex(), length);
    in.setZero(in.readerIndex(), length); // it may be a secret
    in.skipBytes(length);
    done = true;
    progressed();
    out.add(new Frame(action, input, terminal));
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!done && (length >= 0 || in.isReadable())) {
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
      if (!parts[3].startsWith("tty=/dev/") || parts[3].length() > 205) {
        throw fail(in, "not a relay header");
      }
      terminal = parts[3].substring("tty=".length());
    }
    long declared;
    try {
      declared = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      throw fail(in, "relay header without a length");
    }
    if (declared < 0 || declared > MAX_INPUT_BYTES) {
      throw fail(in, "relayed input of " + declared + " bytes; the limit is " + MAX_INPUT_BYTES);
    }
    action = parts[1];
    length = (int) declared;
  }

  /** Ends this connection's input: the one answer is this error. */
  private DecoderException fail(ByteBuf in, String message) {
    in.setZero(in.readerIndex(), in.readableBytes());
    in.skipBytes(in.readableBytes());
    done = true;
    return new DecoderException(message);
  }
}
