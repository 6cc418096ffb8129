package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code credential-helper/1 ACTION LENGTH\n} then LENGTH raw bytes: a frame the C relay writes
 * with one snprintf, so that it needs no JSON at all.
 */
final class RelayFrameDecoder extends ByteToMessageDecoder {
  static final String MAGIC = "credential-helper/1 ";
  static final int MAX_INPUT_BYTES = 1024 * 1024;
  private static final int MAX_HEADER_BYTES = 128;

  /** One relayed call. */
  record Frame(String action, byte[] input) {}

  private String action;
  private int length = -1;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (length < 0) {
      int newline = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + MAX_HEADER_BYTES), (byte) '\n');
      if (newline < 0) {
        if (in.readableBytes() >= MAX_HEADER_BYTES) {
          throw new DecoderException("relay header longer than " + MAX_HEADER_BYTES + " bytes");
        }
        return;
      }
      String header = in.readCharSequence(newline - in.readerIndex(), StandardCharsets.US_ASCII).toString();
      in.skipBytes(1);
      parseHeader(header);
    }
    if (in.readableBytes() < length) {
      return;
    }
    byte[] input = ByteBufUtil.getBytes(in, in.readerIndex(), length);
    in.setZero(in.readerIndex(), length); // it may be a secret
    in.skipBytes(length);
    out.add(new Frame(action, input));
  }

  private void parseHeader(String header) {
    String[] parts = header.split(" ");
    if (!header.startsWith(MAGIC) || parts.length != 3) {
      throw new DecoderException("not a relay header");
    }
    long declared;
    try {
      declared = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      throw new DecoderException("relay header without a length");
    }
    if (declared < 0 || declared > MAX_INPUT_BYTES) {
      throw new DecoderException("relayed input of " + declared + " bytes; the limit is " + MAX_INPUT_BYTES);
    }
    action = parts[1];
    length = (int) declared;
  }
}
