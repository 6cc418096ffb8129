package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Defect 6: one relay frame per connection, its length exact, and no wait without end. */
class RelayFrameDecoderTest {
  private final List<String> calls = new ArrayList<>();

  private EmbeddedChannel channel(RelayHandler relay) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new AsWritten(),
        new RelayFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new RelayChannelHandler(relay));
    return channel;
  }

  /**
   * Keeps what the socket is given as it was when written: an answer's own buffer is zeroed once
   * its write is done (ZeroOnceSent), which in an EmbeddedChannel is before the test reads it.
   */
  private static final class AsWritten extends io.netty.channel.ChannelOutboundHandlerAdapter {
    @Override
    public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
      if (msg instanceof ByteBuf written) {
        ByteBuf copy = written.copy();
        written.release();
        ctx.write(copy, promise);
        return;
      }
      ctx.write(msg, promise);
    }
  }

  private EmbeddedChannel recording() {
    return channel((caller, action, input) -> {
      calls.add(action + ":" + new String(input, StandardCharsets.UTF_8));
      return CompletableFuture.completedFuture(RelayReply.line(0, "done"));
    });
  }

  private static void write(EmbeddedChannel channel, String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    channel.runPendingTasks();
  }

  private static String reply(EmbeddedChannel channel) {
    ByteBuf out = channel.readOutbound();
    try {
      return out.toString(StandardCharsets.UTF_8);
    } finally {
      out.release();
    }
  }

  @Test
  void aWholeFrameIsOneCall() {
    EmbeddedChannel channel = recording();
    write(channel, "credential-helper/1 get 5\nreg/x");
    assertEquals(List.of("get:reg/x"), calls);
    assertEquals("0 5\ndone\n", reply(channel));
    assertFalse(channel.isOpen());
  }

  @Test
  void theRequestersTerminalComesWithTheCallAndNothingElseMayStandThere() {
    List<String> terminals = new ArrayList<>();
    EmbeddedChannel channel = channel((caller, action, input) -> {
      terminals.add(caller.terminal());
      return CompletableFuture.completedFuture(RelayReply.line(0, "done"));
    });
    write(channel, "credential-helper/1 get 5 tty=/dev/pts/3\nreg/x");
    assertEquals(java.util.Arrays.asList("/dev/pts/3"), terminals);
    EmbeddedChannel bad = recording();
    write(bad, "credential-helper/1 get 5 path=/etc/passwd\nreg/x");
    assertEquals(List.of(), calls, "anything but tty=/dev/... is no relay header");
    for (String hostile : List.of("tty=/dev/pts/3\u001b[2J", "tty=/dev/", "tty=/dev/" + "p".repeat(201))) {
      EmbeddedChannel refused = recording();
      write(refused, "credential-helper/1 get 5 " + hostile + "\nreg/x");
      assertEquals(List.of(), calls, hostile + " is no terminal: the one rule the two decoders share");
    }
  }

  /** What each call's header said of its requester, in order. */
  private final List<HeaderAttributes> seen = new ArrayList<>();

  private EmbeddedChannel attributesRecording() {
    return channel((caller, action, input) -> {
      calls.add(action);
      return CompletableFuture.completedFuture(RelayReply.line(0, "done"));
    });
  }

  @Test
  void attributesAfterTheFixedFieldsArePercentDecodedWhateverBytesTheyHold() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(
        new RelayFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new io.netty.channel.SimpleChannelInboundHandler<RelayFrameDecoder.Frame>() {
          @Override
          protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, RelayFrameDecoder.Frame frame) {
            seen.add(frame.attributes());
          }
        });
    String odd = "/home/a b/=%\n/caf\u00e9/" + "x".repeat(4000);
    write(channel, "credential-helper/1 get 5 tty=/dev/pts/3 display=%3A0 wayland-display=wayland-0 xauthority="
        + HeaderAttributes.encode("/run/user/1000/.mutter-Xwaylandauth.ABC") + " session-type=x11 dbus="
        + HeaderAttributes.encode("unix:path=/run/user/1000/bus") + " cwd=" + HeaderAttributes.encode(odd.replace("\\n", "\n"))
        + " profile=work\nreg/x");
    HeaderAttributes got = seen.get(0);
    assertEquals("/dev/pts/3", got.terminal());
    assertEquals(":0", got.get(HeaderAttributes.Key.DISPLAY));
    assertEquals("wayland-0", got.get(HeaderAttributes.Key.WAYLAND_DISPLAY));
    assertEquals("/run/user/1000/.mutter-Xwaylandauth.ABC", got.get(HeaderAttributes.Key.XAUTHORITY));
    assertEquals("x11", got.get(HeaderAttributes.Key.SESSION_TYPE));
    assertEquals("unix:path=/run/user/1000/bus", got.get(HeaderAttributes.Key.DBUS));
    assertEquals(odd.replace("\\n", "\n"), got.get(HeaderAttributes.Key.CWD), "spaces, '=', '%', a newline and non-ASCII survive");
    assertEquals("work", got.get(HeaderAttributes.Key.PROFILE));
    assertFalse(got.toString().contains("pts"), "no value in what a log may print");
  }

  /** Each hostile header is refused whole, with one line that echoes no value, and nothing is called. */
  @Test
  void anUnknownOrRepeatedKeyOrABadEncodingRefusesTheFrame() {
    for (String hostile : List.of(
        "path=/etc/passwd", // unknown key: an old daemon refused it, so does this one
        "Display=:0", "display", "display=", "=x", "", // not KEY=VALUE, or empty
        "display=:0 display=:1", "tty=/dev/pts/1 tty=/dev/pts/2", // a key twice
        "display=%3a0", "display=%3", "display=%", "display=%G0", "display=:0=1", "cwd=a%20b%", // not strict %XX
        "cwd=%C3%28", "cwd=a%00b", // not UTF-8; a NUL
        "display=\u00e9", "display=:0\u0007", "tty=%2Fdev%2Fpts%2F1%07", "tty=/etc/passwd")) {
      EmbeddedChannel refused = attributesRecording();
      write(refused, "credential-helper/1 get 5 " + hostile + "\nreg/x");
      assertEquals(List.of(), calls, hostile);
      String reply = reply(refused);
      assertTrue(reply.startsWith("1 ") && reply.contains("not a relay header"), hostile + ": " + reply);
      assertFalse(reply.contains("passwd") || reply.contains("pts/1"), "no value echoed: " + reply);
    }
    EmbeddedChannel trailing = attributesRecording();
    write(trailing, "credential-helper/1 get 5 \nreg/x");
    assertEquals(List.of(), calls, "a trailing space is an empty field");
  }

  @Test
  void aHeaderIsBoundedAt16KiB() {
    EmbeddedChannel fits = attributesRecording();
    String prefix = "credential-helper/1 get 5 cwd=";
    write(fits, prefix + "a".repeat(HeaderAttributes.MAX_HEADER_BYTES - prefix.length() - 1) + "\nreg/x");
    assertEquals(List.of("get"), calls, "PATH_MAX of cwd, encoded three times over, fits");
    EmbeddedChannel oversize = attributesRecording();
    write(oversize, prefix + "a".repeat(HeaderAttributes.MAX_HEADER_BYTES));
    String reply = reply(oversize);
    assertTrue(reply.contains("relay header longer than 16384 bytes"), reply);
    assertEquals(List.of("get"), calls);
    assertFalse(oversize.isOpen());
  }

  /**
   * Issue 30, item 3: the C relay never half-closes, so the end of its input while its call is
   * answered is its death (Ctrl-C at a prompt): the caller's {@code gone} completes, and a prompt
   * made for it ends. A client that half-closes on purpose (socat) is still answered.
   */
  @Test
  void theEndOfInputDuringACallSaysTheRequesterIsGoneAndTheAnswerStillLeaves() {
    List<dev.credagent.caller.Caller> callers = new ArrayList<>();
    CompletableFuture<RelayReply> answer = new CompletableFuture<>();
    EmbeddedChannel channel = channel((caller, action, input) -> {
      callers.add(caller);
      return answer;
    });
    write(channel, "credential-helper/1 get 5 tty=/dev/pts/3\nreg/x");
    assertFalse(callers.get(0).gone().toCompletableFuture().isDone());
    channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    channel.runPendingTasks();
    assertTrue(callers.get(0).gone().toCompletableFuture().isDone(), "the prompt made for it ends");
    assertTrue(channel.isOpen());
    answer.complete(RelayReply.line(0, "done"));
    channel.runPendingTasks();
    assertEquals("0 5\ndone\n", reply(channel));
  }

  @Test
  void bytesBeyondTheDeclaredLengthAreAnErrorNeverASecondCall() {
    EmbeddedChannel channel = recording();
    write(channel, "credential-helper/1 erase 5\ndup-cdup-d");
    assertEquals(List.of(), calls, "nothing was erased");
    String reply = reply(channel);
    assertTrue(reply.startsWith("1 "), reply);
    assertTrue(reply.contains("beyond its declared length"), reply);
  }

  @Test
  void aFrameShorterThanItsLengthIsAnErrorAtEndOfInput() {
    EmbeddedChannel channel = recording();
    write(channel, "credential-helper/1 store 50\n{\"ServerURL\"");
    channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    channel.runPendingTasks();
    assertEquals(List.of(), calls);
    assertTrue(reply(channel).contains("ended after 12 of its 50 bytes"));
  }

  @Test
  void aFrameShorterThanItsLengthIsAnErrorAfterTheDeadline() {
    EmbeddedChannel channel = recording();
    write(channel, "credential-helper/1 store 50\n{");
    channel.advanceTimeBy(31, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
    assertEquals(List.of(), calls);
    assertTrue(reply(channel).contains("did not arrive in full"));
    assertFalse(channel.isOpen());
  }

  /**
   * A header and then nothing: the header is consumed as soon as its newline comes, so nothing was
   * left buffered and no deadline ever started; the connection waited for its payload without end
   * (a real daemon, 40 s and more, no answer). The deadline runs from the first byte until the
   * frame is whole.
   */
  @Test
  void aHeaderAloneIsAnErrorAfterTheDeadline() {
    EmbeddedChannel channel = recording();
    write(channel, "credential-helper/1 store 50\n");
    channel.advanceTimeBy(31, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
    assertEquals(List.of(), calls);
    ByteBuf out = channel.readOutbound();
    assertTrue(out != null, "no answer after the deadline");
    try {
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("did not arrive in full"));
    } finally {
      out.release();
    }
    assertFalse(channel.isOpen());
  }

  @Test
  void aRelayThatFailsWithAnErrorStillAnswers() {
    EmbeddedChannel channel = channel((caller, action, input) -> CompletableFuture.failedFuture(new OutOfMemoryError()));
    write(channel, "credential-helper/1 get 1\nr");
    assertTrue(reply(channel).startsWith("1 "));
  }

  /**
   * The call of a real docker-credential-agent waiting for its answer (a slow source, a token
   * fetch, a pinentry prompt) is work in progress, not an idle connection: at the connection cap a
   * new client must not take its place. Before, 300 concurrent helper gets of a source that takes
   * 6 s left 44 closed unanswered ("closed the connection before answering in full").
   */
  @Test
  void aCallBeingAnsweredKeepsItsPlaceAtTheCap() {
    ConnectionLimit limit = new ConnectionLimit(1);
    EmbeddedChannel waiting = new EmbeddedChannel(limit,
        new RelayFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, limit),
        new RelayChannelHandler((caller, action, input) -> new CompletableFuture<>()));
    waiting.freezeTime();
    write(waiting, "credential-helper/1 get 5\nreg/x");
    EmbeddedChannel newcomer = new EmbeddedChannel(limit);
    assertTrue(waiting.isOpen(), "the call being answered keeps its place");
    assertFalse(newcomer.isOpen(), "every place is busy with work: the new client is turned away");
  }

  /**
   * The daemon log is never rotated: 30,000 connections with a bad relay frame through a share,
   * in 10 s, grew it by 4.9 MB, one warning each, with no end but the disk (whose filling then
   * silences the audit log). The warnings about clients' input are bounded.
   */
  @Test
  void aFloodOfBadFramesWritesABoundedNumberOfWarnings() {
    try (CapturedLog log = new CapturedLog(RelayChannelHandler.class)) {
      for (int i = 0; i < 2_000; i++) {
        EmbeddedChannel channel = recording();
        write(channel, "credential-helper/1 get 3\nabcdef");
        assertTrue(reply(channel).startsWith("1 "), "each is still answered");
      }
      assertTrue(log.records() <= 105, log.records() + " lines for 2,000 bad frames");
    }
    assertEquals(List.of(), calls);
  }
}
