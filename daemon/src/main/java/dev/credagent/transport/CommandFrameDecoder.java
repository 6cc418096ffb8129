package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The native credagent's two frames, each a header the C program writes with snprintf and
 * exactly LENGTH raw bytes: {@code credagent/1 LENGTH[ KEY=VALUE]...\n} ({@link HeaderAttributes})
 * and the arguments, each ended by a NUL;
 * then, only when the daemon asked for it, {@code stdin LENGTH\n} and standard input. Anything
 * else, more, or less is an error, never a wait.
 */
final class CommandFrameDecoder extends BoundedDecoder {
  static final String MAGIC = "credagent/1 ";
  static final String STDIN = "stdin ";
  static final int MAX_ARGS_BYTES = 64 * 1024;
  /** A byte past what a command reads of stdin (StdinSecret), so that the command says so. */
  static final int MAX_STDIN_BYTES = 1024 * 1024 + 1;
  /** The second frame's header carries no attributes: {@code stdin LENGTH}. */
  private static final int MAX_STDIN_HEADER_BYTES = 128;

  /**
   * The arguments (first) or standard input (second); {@code attributes}: what the first header
   * said of the requester (its terminal, display), {@link HeaderAttributes#NONE} on the second.
   */
  record Frame(boolean stdin, byte[] payload, HeaderAttributes attributes) {
    Frame(boolean stdin, byte[] payload) {
      this(stdin, payload, HeaderAttributes.NONE);
    }

    /** The requester's controlling terminal, or null. */
    String terminal() {
      return attributes.terminal();
    }
  }

  private HeaderAttributes attributes = HeaderAttributes.NONE;

  private int frames;
  private int length = -1;

  CommandFrameDecoder(InputBudget budget, ServerLimits limits, ConnectionLimit connections) {
    super(budget, limits, connections);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed() || frames == 2) {
      if (frames == 2 && in.isReadable() && !failed()) {
        throw fail(in, "bytes after the command's standard input; nothing more is read");
      }
      discard(in);
      return;
    }
    if (length < 0) {
      String header = readHeader(in, frames == 0 ? HeaderAttributes.MAX_HEADER_BYTES : MAX_STDIN_HEADER_BYTES, "command frame");
      if (header == null) {
        return;
      }
      length = parseHeader(in, header, frames == 0 ? MAGIC : STDIN, frames == 0 ? MAX_ARGS_BYTES : MAX_STDIN_BYTES);
    }
    if (in.readableBytes() < length) {
      return;
    }
    byte[] payload = takePayload(in, length); // standard input may be a secret
    out.add(new Frame(frames == 1, payload, frames == 0 ? attributes : HeaderAttributes.NONE));
    frames++;
    length = -1;
    progressed();
  }

  @Override
  protected boolean awaitingPayload() {
    return length >= 0 && !failed();
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!failed() && (length >= 0 || in.isReadable())) {
      throw fail(in, "the command frame ended early");
    }
  }

  private int parseHeader(ByteBuf in, String header, String magic, int limit) {
    if (!header.startsWith(magic)) {
      throw fail(in, frames == 0 ? "not a command frame" : "expected standard input (" + STDIN.strip() + " LENGTH)");
    }
    String[] parts = header.substring(magic.length()).split(" ", -1); // -1: a trailing or doubled space is refused
    if (frames == 0) {
      attributes = attributes(in, java.util.Arrays.asList(parts).subList(1, parts.length), "command frame");
    } else if (parts.length != 1) {
      throw fail(in, "expected standard input (" + STDIN.strip() + " LENGTH)");
    }
    return declaredLength(in, parts[0], limit, "command frame", "a command frame");
  }

  /** The arguments of a first frame: each ends with a NUL. */
  static List<String> arguments(byte[] payload) {
    List<String> args = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < payload.length; i++) {
      if (payload[i] == 0) {
        args.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start != payload.length) {
      throw new IllegalArgumentException("the last argument is not ended by a NUL");
    }
    return args;
  }
}
