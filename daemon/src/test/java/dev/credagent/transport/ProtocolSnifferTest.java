package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.credagent.protocol.Response;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The doors as a table: the first bytes choose one, whatever order the doors were listed in. */
class ProtocolSnifferTest {
  private static final ServerLimits LIMITS = new ServerLimits(64, 1024, 8, Duration.ofSeconds(30), 4, Duration.ofMillis(1));
  private static final RequestHandler REQUESTS = (caller, line) -> CompletableFuture.completedFuture(Response.ok());
  private static final RelayHandler RELAY = (caller, action, input) -> CompletableFuture.completedFuture(RelayReply.line(0, "x"));

  /** A channel whose only handler is a sniffer over the three doors, listed {@code shuffled}. */
  private static EmbeddedChannel channel(boolean shuffled) {
    List<Door> doors = List.of(Door.jsonLines(REQUESTS), Door.helperRelay(RELAY), Door.commands(CommandRelay.HAND_EVERYTHING_BACK));
    Door.Parts parts = new Door.Parts(LIMITS, new InputBudget(LIMITS.inputBudgetBytes()), new ConnectionLimit(8),
        new AnswerFlush(() -> {}));
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new ProtocolSniffer(new Doors(shuffled ? doors.reversed() : doors, () -> {}).doors(), parts));
    return channel;
  }

  private static void write(EmbeddedChannel channel, String bytes) {
    channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.UTF_8));
  }

  private static ChannelHandler decoder(EmbeddedChannel channel) {
    return channel.pipeline().first();
  }

  @Test
  void eachDoorIsChosenByItsFirstBytesInAnyOrderOfListing() {
    for (boolean shuffled : List.of(false, true)) {
      EmbeddedChannel json = channel(shuffled);
      write(json, "{");
      assertInstanceOf(RequestLineDecoder.class, decoder(json), "a '{' is the JSON door's at once");
      EmbeddedChannel relay = channel(shuffled);
      write(relay, "credential-helper/1 get"); // the header unfinished: the connection stays open
      assertInstanceOf(RelayFrameDecoder.class, decoder(relay));
      EmbeddedChannel commands = channel(shuffled);
      write(commands, "credagent/1 ");
      assertInstanceOf(CommandFrameDecoder.class, decoder(commands));
    }
  }

  @Test
  void bytesThatStillAgreeWithALongerPrefixWaitForMore() {
    EmbeddedChannel channel = channel(false);
    write(channel, "cre");
    assertInstanceOf(ProtocolSniffer.class, decoder(channel), "\"cre\" may be either native door's yet");
    write(channel, "dagent/1 ");
    assertInstanceOf(CommandFrameDecoder.class, decoder(channel));
    assertNull(channel.pipeline().get(ProtocolSniffer.class), "the sniffer stepped aside");
    assertNotNull(channel.pipeline().get(CommandChannelHandler.class));
  }

  /**
   * A prefix that no door has taken yet ({@code c}, {@code cred}) and then end of input: the
   * connection was closed with no answer at all, while {@code credagent/} (past the command door's
   * prefix) was told the frame ended early. The door the bytes still agree with, the longest,
   * answers it in its own framing.
   */
  @Test
  void aPrefixThenEndOfInputIsAnsweredByTheDoorItStillAgreesWith() {
    EmbeddedChannel relay = channel(false);
    write(relay, "c");
    relay.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
    relay.runPendingTasks();
    io.netty.buffer.ByteBuf out = relay.readOutbound();
    assertNotNull(out, "no answer to \"c\" and end of input");
    out.release();
    EmbeddedChannel commands = channel(true);
    write(commands, "cred");
    commands.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
    commands.runPendingTasks();
    out = commands.readOutbound();
    assertNotNull(out, "no answer to \"cred\" and end of input");
    out.release();
  }

  /**
   * The fast path sniffs the array it read, Netty's sniffer a ByteBuf: for every head of every
   * door's frame (and of bytes no door takes), the two choose the same door, or agree to wait.
   */
  @Test
  void theFastPathsArrayAndNettysByteBufChooseTheSameDoor() {
    List<Door> doors = new Doors(List.of(Door.jsonLines(REQUESTS), Door.helperRelay(RELAY),
        Door.commands(CommandRelay.HAND_EVERYTHING_BACK)), () -> {}).doors();
    for (String frame : List.of("credential-helper/1 get 11\nreg.example", "credagent/1 5\nhello", "{\"op\":\"get\"}\n",
        "cred", "crx", "GET / HTTP/1.1", "\u0000\u00ff")) {
      byte[] bytes = frame.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      for (int length = 0; length <= bytes.length; length++) {
        byte[] head = java.util.Arrays.copyOf(bytes, length);
        io.netty.buffer.ByteBuf buffer = io.netty.buffer.Unpooled.wrappedBuffer(head);
        assertSame(Door.chosen(doors, buffer), Door.chosen(doors, head), frame + " cut at " + length);
        for (Door door : doors) {
          assertEquals(door.sniff(buffer), door.sniff(head), door.name() + ", " + frame + " cut at " + length);
        }
        assertEquals(length, buffer.readableBytes(), "sniffing reads nothing");
      }
    }
  }

  @Test
  void twoDoorsWithOnePrefixAreRefusedWhenTheServerIsMade() {
    assertThrows(IllegalArgumentException.class,
        () -> new Doors(List.of(Door.jsonLines(REQUESTS), Door.jsonLines(REQUESTS)), () -> {}));
  }
}
