package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The native credagent's frames: arguments, then standard input only when asked, then one reply. */
class CommandFrameTest {
  private final List<String> runs = new ArrayList<>();
  private CommandRelay.Input input = CommandRelay.Input.NONE;

  private final CommandRelay relay = new CommandRelay() {
    @Override
    public CompletableFuture<Input> input(List<String> args) {
      return CompletableFuture.completedFuture(input);
    }

    @Override
    public CompletableFuture<CommandReply> run(dev.credagent.caller.Caller caller, List<String> args, byte[] stdin) {
      runs.add(String.join("|", args) + ":" + new String(stdin, StandardCharsets.UTF_8));
      return CompletableFuture.completedFuture(new CommandReply(4, "out\n".getBytes(StandardCharsets.UTF_8),
          "err\n".getBytes(StandardCharsets.UTF_8)));
    }
  };

  /** What was written, as it left: the handler zeroes a reply once it is sent (it may hold a secret). */
  private final java.util.ArrayDeque<String> sent = new java.util.ArrayDeque<>();

  private EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
        sent.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
        ctx.write(msg, promise);
      }
    });
    channel.pipeline().addLast(
        new CommandFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new CommandChannelHandler(relay));
    return channel;
  }

  /** A relay that takes {@code taken} of every command line and answers with {@code reply}, whenever that completes. */
  private static CommandRelay answering(CommandRelay.Input taken, CompletableFuture<CommandReply> reply) {
    return new CommandRelay() {
      @Override
      public CompletableFuture<Input> input(List<String> args) {
        return CompletableFuture.completedFuture(taken);
      }

      @Override
      public CompletableFuture<CommandReply> run(dev.credagent.caller.Caller caller, List<String> args, byte[] stdin) {
        return reply;
      }
    };
  }

  private static void write(EmbeddedChannel channel, String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    channel.runPendingTasks();
  }

  private String reply(EmbeddedChannel channel) {
    ByteBuf out = channel.readOutbound();
    if (out == null) {
      return null;
    }
    out.release();
    return sent.poll();
  }

  /** A command header and then nothing: no byte held, and no deadline ran (RelayFrameDecoderTest#aHeaderAloneIsAnErrorAfterTheDeadline). */
  @Test
  void aHeaderAloneIsAnErrorAfterTheDeadline() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 11\n");
    channel.advanceTimeBy(31, java.util.concurrent.TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
    assertEquals(List.of(), runs);
    String answer = reply(channel);
    assertTrue(answer != null && answer.contains("did not arrive in full"), String.valueOf(answer));
    assertFalse(channel.isOpen());
  }

  @Test
  void aCommandThatReadsNothingRunsAtOnce() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 11\nget\0r:5000\0");
    assertEquals(List.of("get|r:5000:"), runs);
    assertEquals("run\n", reply(channel));
    assertEquals("exit 4 4 4\nout\nerr\n", reply(channel));
    assertFalse(channel.isOpen());
  }

  @Test
  void standardInputIsAskedForAndOnlyThenSent() {
    input = CommandRelay.Input.ALL;
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 6\nstore\0");
    assertEquals("stdin all\n", reply(channel));
    assertTrue(runs.isEmpty());
    write(channel, "stdin 6\nsecret");
    assertEquals(List.of("store:secret"), runs);
    assertEquals("exit 4 4 4\nout\nerr\n", reply(channel));
  }

  @Test
  void aFirstLineIsAskedForAsSuch() {
    input = CommandRelay.Input.LINE;
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 7\nunlock\0");
    assertEquals("stdin line\n", reply(channel));
  }

  @Test
  void whatMustRunInTheUsersProcessIsHandedBack() {
    input = CommandRelay.Input.HAND_BACK;
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 6\nsetup\0");
    assertEquals("local\n", reply(channel));
    assertTrue(runs.isEmpty());
    assertFalse(channel.isOpen());
  }

  @Test
  void standardInputThatWasNotAskedForIsRefused() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 4\nget\0stdin 3\nabc");
    assertEquals("exit 1 0 62\ncredagent: standard input came before the daemon asked for it\n", reply(channel));
    assertTrue(runs.isEmpty());
    assertNull(reply(channel));
  }

  @Test
  void badFramesGetOneLineOnStandardErrorAndExitOne() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 99999999\n");
    assertEquals("exit 1 0 65\ncredagent: a command frame of 99999999 bytes; the limit is 65536\n", reply(channel));
    assertTrue(runs.isEmpty());
  }

  @Test
  void anArgumentWithoutItsNulIsRefused() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 3\nget");
    String answer = reply(channel);
    assertTrue(answer.startsWith("exit 1 0 "), answer);
    assertTrue(answer.endsWith("credagent: the last argument is not ended by a NUL\n"), answer);
    assertTrue(runs.isEmpty());
  }

  @Test
  void aHeaderThatNeverEndsIsRefusedAtItsLimit() {
    EmbeddedChannel channel = channel();
    write(channel, "credagent/1 " + "1".repeat(HeaderAttributes.MAX_HEADER_BYTES));
    String answer = reply(channel);
    assertTrue(answer.contains("command frame header longer than"), answer);
    assertNull(reply(channel));
  }

  @Test
  void aTerminalMayComeWithTheFirstHeaderAndNothingElse() {
    EmbeddedChannel bad = channel();
    write(bad, "credagent/1 5 path=/etc/passwd\n");
    String answer = reply(bad);
    assertTrue(answer.contains("not a command frame"), answer);
    EmbeddedChannel escape = channel();
    write(escape, "credagent/1 5 tty=/dev/pts/1\u0007\n");
    assertTrue(reply(escape).contains("not a command frame"), "a control character is no terminal's");
  }

  @Test
  void theFirstHeaderCarriesTheSameAttributesAsTheRelaysAndTheStdinHeaderNone() {
    List<String> terminals = new ArrayList<>();
    CommandRelay seeing = new CommandRelay() {
      @Override
      public CompletableFuture<Input> input(List<String> args) {
        return CompletableFuture.completedFuture(Input.LINE);
      }

      @Override
      public CompletableFuture<CommandReply> run(dev.credagent.caller.Caller caller, List<String> args, byte[] stdin) {
        terminals.add(caller.terminal());
        return CompletableFuture.completedFuture(new CommandReply(0, new byte[0], new byte[0]));
      }
    };
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(
        new CommandFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new CommandChannelHandler(seeing));
    write(channel, "credagent/1 4 tty=%2Fdev%2Fpts%2F4 display=%3A0 cwd=%2Ftmp%2Fa%20b\nget\0");
    write(channel, "stdin 2\nx\n");
    assertEquals(List.of("/dev/pts/4"), terminals, "the terminal, percent-encoded or not, reaches the command");
    EmbeddedChannel stdinAttributes = channel();
    input = CommandRelay.Input.LINE;
    write(stdinAttributes, "credagent/1 4\nget\0");
    write(stdinAttributes, "stdin 2 tty=/dev/pts/1\nx\n");
    assertTrue(reply(stdinAttributes).startsWith("stdin line"));
    String answer = reply(stdinAttributes);
    assertTrue(answer.contains("expected standard input"), answer);
    assertTrue(runs.isEmpty());
  }

  @Test
  void anUnknownOrRepeatedKeyOrABadEncodingRefusesTheCommand() {
    for (String hostile : List.of("path=/etc/passwd", "display=:0 display=:0", "display=%3a0", "display=%", "cwd=%C3%28",
        "cwd=a%00b", "display=", "tty=%2Fetc%2Fpasswd", "")) {
      EmbeddedChannel channel = channel();
      write(channel, "credagent/1 4 " + hostile + "\nget\0");
      String answer = reply(channel);
      assertTrue(answer.startsWith("exit 1 0 ") && answer.contains("not a command frame header"), hostile + ": " + answer);
      assertFalse(answer.contains("passwd"), "no value echoed: " + answer);
    }
    assertTrue(runs.isEmpty());
  }

  /**
   * A command the daemon is running for the native credagent is work in progress: at the cap a
   * new client must not take its place (before, it was closed unanswered as the longest idle).
   */
  @Test
  void aCommandBeingRunKeepsItsPlaceAtTheCap() {
    ConnectionLimit limit = new ConnectionLimit(1);
    CommandRelay slow = answering(CommandRelay.Input.NONE, new CompletableFuture<>()); // a get waiting on a slow source
    EmbeddedChannel running = new EmbeddedChannel(limit,
        new CommandFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, limit),
        new CommandChannelHandler(slow));
    running.freezeTime();
    write(running, "credagent/1 11\nget\0r:5000\0");
    EmbeddedChannel newcomer = new EmbeddedChannel(limit);
    assertTrue(running.isOpen(), "the command being run keeps its place");
    assertFalse(newcomer.isOpen(), "every place is busy with work: the new client is turned away");
  }

  /**
   * The native credagent gone before its relayed command's reply (a Ctrl-C while `keyslot add
   * --recovery --passphrase-stdin` derived the key): the reply cannot be written, and its
   * undelivered action runs, so the daemon can say that a recovery key nobody saw opens the vault.
   * A reply that is written runs none.
   */
  @Test
  void aReplyWhoseClientWentAwayRunsItsUndeliveredActionAndOneWrittenDoesNot() {
    for (boolean goneFirst : new boolean[] {true, false}) {
      CompletableFuture<CommandReply> later = new CompletableFuture<>();
      java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
      CommandRelay slow = answering(CommandRelay.Input.NONE, later);
      EmbeddedChannel channel = new EmbeddedChannel();
      channel.pipeline().addLast(
          new CommandFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
          new CommandChannelHandler(slow));
      write(channel, "credagent/1 8\nkeyslot\0");
      ByteBuf run = channel.readOutbound();
      run.release();
      if (goneFirst) {
        channel.close();
      }
      later.complete(new CommandReply(0, "KEY\n".getBytes(StandardCharsets.UTF_8), new byte[0], lost::incrementAndGet));
      channel.runPendingTasks();
      assertEquals(goneFirst ? 1 : 0, lost.get(), goneFirst ? "the client went away first" : "the reply was written");
      channel.finishAndReleaseAll();
    }
  }

  /**
   * A client that writes past its standard input while the command runs (a byte after the {@code
   * stdin} frame) is answered with an error at once, and the connection closes: the command's own
   * reply, which may carry a new recovery key, then never leaves. It must be treated as a reply
   * that could not be written: its undelivered action runs (the slot to remove is said) and its
   * output is zeroed, not left on the heap. Before, the reply was dropped silently and unwiped.
   */
  @Test
  void aReplyPreemptedByAnErrorForBytesPastTheStandardInputIsUndeliveredAndWiped() {
    CompletableFuture<CommandReply> later = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
    CommandRelay slow = answering(CommandRelay.Input.LINE, later);
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
        sent.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
        ctx.write(msg, promise);
      }
    });
    channel.pipeline().addLast(
        new CommandFrameDecoder(new InputBudget(ServerLimits.DEFAULT.inputBudgetBytes()), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new CommandChannelHandler(slow));
    write(channel, "credagent/1 23\nkeyslot\0add\0--recovery\0");
    assertEquals("stdin line\n", sent.poll());
    write(channel, "stdin 3\npw\n");
    write(channel, "x"); // past the standard input, while the key is derived
    String refused = sent.poll();
    assertTrue(refused != null && refused.startsWith("exit 1 "), refused);
    byte[] key = "KEY-1234\n".getBytes(StandardCharsets.UTF_8);
    later.complete(new CommandReply(0, key, new byte[0], lost::incrementAndGet));
    channel.runPendingTasks();
    assertEquals(1, lost.get(), "the command's reply never left: its undelivered action runs");
    assertTrue(java.util.Arrays.equals(new byte[key.length], key), "the reply that never left is zeroed");
    channel.finishAndReleaseAll();
  }
}
