package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * One socket, several framings ({@link Door}s: JSON lines, the native helper's relay frame, the
 * native credagent's command frame): the first bytes choose a door, whose decoder and handler take
 * the sniffer's place, then it steps aside.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
  private final List<Door> doors;
  private final Door.Parts parts;

  /** {@code doors}: longest prefix first ({@link Doors} sorts them). */
  ProtocolSniffer(List<Door> doors, Door.Parts parts) {
    this.doors = doors;
    this.parts = parts;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    Door door = Door.chosen(doors, in);
    if (door != null) {
      door.open(ctx, parts);
      ctx.pipeline().remove(this);
      return;
    }
    // No door's prefix: there is always one, the JSON lines' empty prefix, unless a server was made without it.
    if (doors.stream().allMatch(other -> other.sniff(in) == Door.Sniff.NOT_THIS)) {
      ctx.close();
    }
  }

  /**
   * End of input while the bytes still agree with a door's longer prefix ({@code c}, {@code cred}):
   * that door, the longest, takes them, and its decoder answers the frame that ended early in its
   * own framing, rather than a close with no answer.
   */
  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!in.isReadable() || ctx.isRemoved()) {
      return;
    }
    for (Door door : doors) {
      if (door.sniff(in) == Door.Sniff.UNDECIDED) {
        door.open(ctx, parts);
        ctx.pipeline().remove(this);
        return;
      }
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    super.userEventTriggered(ctx, event);
    if (event instanceof ChannelInputShutdownEvent && ctx.pipeline().context(this) != null) {
      ctx.close(); // shut down before sending a byte: there is nothing to answer
    }
  }
}
