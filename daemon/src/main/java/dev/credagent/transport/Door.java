package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One front door of the daemon's socket: the first bytes that choose it, the decoder that frames
 * what comes through it, and the handler that answers each frame. {@link ProtocolSniffer} reads a
 * connection's first bytes, picks the door whose prefix they start with and steps aside, as
 * Netty's {@code PortUnificationServerHandler} does. A new front end is one more door here and
 * one codec behind it; the server, the shares and the daemon pass the list along unread.
 *
 * <p>A prefix is the shortest that tells the doors apart, not a whole magic: the decoder checks
 * the rest, and answers a wrong one in its own framing (a relay header that is not one is
 * answered as a relay error, as it was before doors were a table).
 */
public final class Door {
  /** What every door's decoder and handler on one server share: its limits and its one flush. */
  record Parts(ServerLimits limits, InputBudget budget, ConnectionLimit connections, AnswerFlush flush) {}

  /** What a connection's first bytes say of a door. */
  enum Sniff {
    /** They start with its prefix: this door. */
    CHOSEN,
    /** Another door's: one byte differs. */
    NOT_THIS,
    /** The bytes so far agree, but are fewer than its prefix: wait for more. */
    UNDECIDED
  }

  private final String name;
  private final byte[] prefix;
  private final Function<Parts, ChannelHandler> decoder;
  private final Function<Parts, ChannelHandler> handler;
  /** The helper relay's handler, which the Linux fast path ({@link FastAcceptor}) calls itself; null for other doors. */
  private final RelayHandler relay;

  private Door(String name, String prefix, Function<Parts, ChannelHandler> decoder, Function<Parts, ChannelHandler> handler) {
    this(name, prefix, decoder, handler, null);
  }

  private Door(String name, String prefix, Function<Parts, ChannelHandler> decoder, Function<Parts, ChannelHandler> handler,
      RelayHandler relay) {
    this.name = name;
    this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
    this.decoder = decoder;
    this.handler = handler;
    this.relay = relay;
  }

  /** JSON lines, protocol version 1 ({@code docs/protocol.md}): whatever no other door's prefix starts. */
  public static Door jsonLines(RequestHandler requests) {
    return new Door("json-lines", "", parts -> new RequestLineDecoder(parts.budget(), parts.limits(), parts.connections()),
        parts -> new LineHandler(requests, parts.limits(), parts.flush()));
  }

  /** The native {@code docker-credential-agent}'s relay frames ({@code credential-helper/1 ACTION LENGTH}). */
  public static Door helperRelay(RelayHandler relay) {
    // "c": "credential-helper/" and "credagent/" part at their fifth byte, which the command door's prefix holds.
    return new Door("helper-relay", "c", parts -> new RelayFrameDecoder(parts.budget(), parts.limits(), parts.connections()),
        parts -> new RelayChannelHandler(relay, parts.flush()), relay);
  }

  /** The native {@code credagent}'s command frames ({@code credagent/1 LENGTH}). */
  public static Door commands(CommandRelay commands) {
    return new Door("commands", CommandFrameDecoder.MAGIC.substring(0, 5),
        parts -> new CommandFrameDecoder(parts.budget(), parts.limits(), parts.connections()),
        parts -> new CommandChannelHandler(commands, parts.flush()));
  }

  public String name() {
    return name;
  }

  /** The relay this door answers through, or null where it is not the helper relay's door. */
  RelayHandler relay() {
    return relay;
  }

  int prefixLength() {
    return prefix.length;
  }

  /** What {@code in}'s readable bytes (not consumed) say of this door. */
  Sniff sniff(ByteBuf in) {
    return sniff(ByteBufUtil.getBytes(in, in.readerIndex(), Math.min(in.readableBytes(), prefix.length)));
  }

  /**
   * What {@code head}, the first bytes read, says of this door: the one rule, for Netty's sniffer
   * (through the ByteBuf) and the Linux fast path (its array as read, with no ByteBuf wrapped
   * around it: the wrapper and its per-byte access checks were 3% of the fast path's work).
   */
  Sniff sniff(byte[] head) {
    int known = Math.min(head.length, prefix.length);
    for (int i = 0; i < known; i++) {
      if (head[i] != prefix[i]) {
        return Sniff.NOT_THIS;
      }
    }
    return known == prefix.length ? Sniff.CHOSEN : Sniff.UNDECIDED;
  }

  /**
   * The door among {@code doors} (longest prefix first, as {@link Doors} sorts them) whose prefix
   * {@code in}'s readable bytes start with; null while none does: they agree with a longer prefix
   * than they hold (more may come), or with none. The sniffer chooses so, and the Linux fast path
   * with it, which must take only what the sniffer would give the helper relay's door.
   */
  static Door chosen(List<Door> doors, ByteBuf in) {
    int longest = 0;
    for (Door door : doors) {
      longest = Math.max(longest, door.prefix.length);
    }
    return chosen(doors, ByteBufUtil.getBytes(in, in.readerIndex(), Math.min(in.readableBytes(), longest)));
  }

  /** The same for the first bytes read, {@code head}. */
  static Door chosen(List<Door> doors, byte[] head) {
    for (Door door : doors) {
      switch (door.sniff(head)) {
        case CHOSEN -> {
          return door;
        }
        case UNDECIDED -> {
          return null; // it may yet be this door: wait for more bytes
        }
        case NOT_THIS -> {
          // the next door
        }
      }
    }
    return null;
  }

  /** Puts this door's decoder and then its handler right after {@code ctx}, the sniffer's place. */
  void open(ChannelHandlerContext ctx, Parts parts) {
    ctx.pipeline().addAfter(ctx.name(), null, handler.apply(parts));
    ctx.pipeline().addAfter(ctx.name(), null, decoder.apply(parts));
  }

  boolean samePrefix(Door other) {
    return Arrays.equals(prefix, other.prefix);
  }

  @Override
  public String toString() {
    return name;
  }
}
