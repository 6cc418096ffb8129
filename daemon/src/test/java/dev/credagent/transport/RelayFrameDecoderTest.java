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
    channel.pipeline().addLast(
        new RelayFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new RelayChannelHandler(relay));
    return channel;
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
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(RelayChannelHandler.class.getName());
    List<java.util.logging.LogRecord> warnings = new ArrayList<>();
    java.util.logging.Handler counting = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        warnings.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(counting);
    try {
      for (int i = 0; i < 2_000; i++) {
        EmbeddedChannel channel = recording();
        write(channel, "credential-helper/1 get 3\nabcdef");
        assertTrue(reply(channel).startsWith("1 "), "each is still answered");
      }
    } finally {
      log.removeHandler(counting);
    }
    assertEquals(List.of(), calls);
    assertTrue(warnings.size() <= 105, warnings.size() + " warnings for 2,000 bad frames");
  }
}
