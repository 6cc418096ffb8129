package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.failure.ErrorCode;
import dev.credagent.protocol.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JSON-lines pipeline (decoder and handler) on an embedded channel, with Netty's clock. */
class LineHandlerTest {
  private static final ServerLimits LIMITS = new ServerLimits(64, 1024, 8, Duration.ofSeconds(30), 4, Duration.ofMillis(1));

  private static EmbeddedChannel channel(RequestHandler requests, InputBudget budget) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new RequestLineDecoder(budget, LIMITS, new ConnectionLimit(8)), new LineHandler(requests, LIMITS));
    return channel;
  }

  private static EmbeddedChannel channel(RequestHandler requests) {
    return channel(requests, new InputBudget(LIMITS.inputBudgetBytes()));
  }

  private static RequestHandler echo() {
    return (caller, line) -> CompletableFuture.completedFuture(
        Response.ok().with("echo", new String(line, StandardCharsets.UTF_8)));
  }

  private static void write(EmbeddedChannel channel, String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    channel.runPendingTasks();
  }

  private static String answer(EmbeddedChannel channel) {
    ByteBuf out = channel.readOutbound();
    if (out == null) {
      return null;
    }
    try {
      return out.toString(StandardCharsets.UTF_8).strip();
    } finally {
      out.release();
    }
  }

  /**
   * An answer's buffer is used again for the next answer, once the transport has written it and let
   * it go; the buffer of one that carried a secret is zeroed first, all that the answer wrote.
   */
  @Test
  void aBufferThatCarriedASecretIsZeroedBeforeItServesAgain() {
    AnswerFlush flush = new AnswerFlush(() -> {});
    EmbeddedChannel channel = new EmbeddedChannel();
    java.util.List<String> sent = new java.util.ArrayList<>();
    java.util.List<ByteBuf> buffers = new java.util.ArrayList<>();
    channel.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override // as the socket does: the bytes leave, the buffer is let go
      public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
        ByteBuf line = (ByteBuf) msg;
        sent.add(line.toString(StandardCharsets.UTF_8));
        buffers.add(line);
        line.release();
        promise.setSuccess();
      }
    });
    RequestHandler requests = (caller, line) -> CompletableFuture.completedFuture(Response.ok()
        .with("secret", dev.credagent.vault.Secret.adopt("hunter2-hunter2".toCharArray())));
    channel.pipeline().addLast(new RequestLineDecoder(new InputBudget(LIMITS.inputBudgetBytes()), LIMITS,
        new ConnectionLimit(8)), new LineHandler(requests, LIMITS, flush));
    write(channel, "get\n");
    assertTrue(sent.getFirst().contains("hunter2-hunter2"), sent.toString());

    ByteBuf kept = flush.buffers().take(channel.alloc(), 10);
    try {
      assertSame(buffers.getFirst(), kept, "the answer's buffer, kept");
      for (int i = 0; i < sent.getFirst().length(); i++) {
        assertEquals(0, kept.getByte(i), "byte " + i);
      }
    } finally {
      kept.release();
    }
  }

  /** Group commit: no answer leaves before the audit's write that follows its handling. */
  @Test
  void noAnswerLeavesBeforeWhatMustBeWrittenBeforeItIsWritten() {
    java.util.List<String> events = new java.util.ArrayList<>();
    RequestHandler requests = (caller, line) -> {
      events.add("handled");
      return CompletableFuture.completedFuture(Response.ok());
    };
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(new RequestLineDecoder(new InputBudget(LIMITS.inputBudgetBytes()), LIMITS,
        new ConnectionLimit(8)), new LineHandler(requests, LIMITS, new AnswerFlush(() -> events.add("audit"))));
    channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(io.netty.channel.ChannelHandlerContext ctx) {
        events.add("flush");
        ctx.flush();
      }
    });
    write(channel, "a\nb\nc\nd\n");
    assertEquals(4, channel.outboundMessages().size());
    int handledSinceAudit = 0;
    int audits = 0;
    for (String event : events) {
      switch (event) {
        case "handled" -> handledSinceAudit++;
        case "audit" -> {
          handledSinceAudit = 0;
          audits++;
        }
        default -> assertEquals(0, handledSinceAudit, "a flush came before the audit write of what it answers: " + events);
      }
    }
    assertTrue(audits >= 1, "the audit was written: " + events);
  }

  /** A request whose reading (its parse) fails outright is answered in its turn, and what follows it too. */
  @Test
  void aRequestWhoseReadingFailsIsStillAnsweredInItsTurn() {
    EmbeddedChannel channel = channel(new RequestHandler() {
      @Override
      public CompletableFuture<Response> handle(dev.credagent.caller.Caller caller, byte[] line) {
        return echo().handle(caller, line);
      }

      @Override
      public Queued read(byte[] line) {
        if (line[0] == 'x') {
          throw new IllegalStateException("a parser's bug");
        }
        return RequestHandler.super.read(line);
      }
    });
    write(channel, "a\nx\nb\n");
    assertTrue(answer(channel).contains("\"echo\":\"a\""));
    assertTrue(answer(channel).contains("\"code\":\"internal\""));
    assertTrue(answer(channel).contains("\"echo\":\"b\""));
    assertTrue(channel.isOpen());
  }

  @Test
  void anAnswerThatFailsWithAnErrorIsStillAnsweredAndTheConnectionGoesOn() {
    // Defect 10: an Error in an op used to break the chain: no answer, then or ever after.
    EmbeddedChannel channel = channel((caller, line) -> line[0] == 'x'
        ? CompletableFuture.failedFuture(new OutOfMemoryError("test"))
        : echo().handle(caller, line));
    write(channel, "x\n");
    write(channel, "y\n");
    assertTrue(answer(channel).contains("\"code\":\"internal\""));
    assertTrue(answer(channel).contains("\"echo\":\"y\""));
  }

  @Test
  void aHandlerThatThrowsIsAnsweredToo() {
    EmbeddedChannel channel = channel((caller, line) -> {
      throw new StackOverflowError();
    });
    write(channel, "a\n");
    assertTrue(answer(channel).contains("\"code\":\"internal\""));
    assertTrue(channel.isActive());
  }

  @Test
  void answersKeepTheOrderOfRequestsWhicheverFinishesFirst() throws Exception {
    CompletableFuture<Response> slow = new CompletableFuture<>();
    EmbeddedChannel channel = channel((caller, line) -> line[0] == 's' ? slow : echo().handle(caller, line));
    write(channel, "s\nf1\nf2\n");
    assertNull(answer(channel), "nothing may overtake the slow first request");
    Thread other = Thread.ofPlatform().start(() -> slow.complete(Response.ok().with("echo", "s")));
    other.join();
    channel.runPendingTasks();
    assertTrue(answer(channel).contains("\"echo\":\"s\""));
    assertTrue(answer(channel).contains("\"echo\":\"f1\""));
    assertTrue(answer(channel).contains("\"echo\":\"f2\""));
  }

  /** Lines starting with 'w' are overlapping writes that wait on {@code pending}; the rest echo. */
  private static RequestHandler writesAndReads(java.util.List<String> started, java.util.Map<String, CompletableFuture<Response>> pending) {
    return new RequestHandler() {
      @Override
      public CompletableFuture<Response> handle(dev.credagent.caller.Caller caller, byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        started.add(text);
        return pending.containsKey(text) ? pending.get(text) : echo().handle(caller, line);
      }

      @Override
      public boolean overlapsWrites(byte[] line) {
        return line[0] == 'w';
      }
    };
  }

  @Test
  void pipelinedWritesStartTogetherAndWhatFollowsThemWaitsForThemAll() {
    java.util.List<String> started = new java.util.ArrayList<>();
    java.util.Map<String, CompletableFuture<Response>> pending = new java.util.HashMap<>();
    for (String w : java.util.List.of("w1", "w2", "w3")) {
      pending.put(w, new CompletableFuture<>());
    }
    EmbeddedChannel channel = channel(writesAndReads(started, pending));
    write(channel, "w1\nw2\nw3\nr\nw4\n");
    assertEquals(java.util.List.of("w1", "w2", "w3"), started, "three writes in flight at once, for one group commit");
    pending.get("w2").complete(Response.ok().with("echo", "w2"));
    pending.get("w3").complete(Response.ok().with("echo", "w3"));
    channel.runPendingTasks();
    assertNull(answer(channel), "no answer overtakes w1's");
    assertEquals(3, started.size(), "the read waits for every write before it");
    pending.get("w1").complete(Response.ok().with("echo", "w1"));
    channel.runPendingTasks();
    assertEquals(java.util.List.of("w1", "w2", "w3", "r", "w4"), started, "then the read, then the write after it");
    for (String expected : java.util.List.of("w1", "w2", "w3", "r", "w4")) {
      assertTrue(answer(channel).contains("\"echo\":\"" + expected + "\""), expected);
    }
  }

  @Test
  void aHalfClosedConnectionIsAnsweredThenClosed() {
    // Defect 5: `printf '{...}\n' | socat - UNIX-CONNECT:...` shuts its side after writing.
    CompletableFuture<Response> slow = new CompletableFuture<>();
    EmbeddedChannel channel = channel((caller, line) -> line[0] == 's' ? slow : echo().handle(caller, line));
    write(channel, "s\nlast line without a newline");
    channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    channel.runPendingTasks();
    assertTrue(channel.isOpen(), "still answering");
    slow.complete(Response.ok().with("echo", "s"));
    channel.runPendingTasks();
    assertTrue(answer(channel).contains("\"echo\":\"s\""));
    assertTrue(answer(channel).contains("\"echo\":\"last line without a newline\""));
    assertFalse(channel.isOpen(), "closed once everything read was answered");
  }

  @Test
  void aTooLongLineIsAnsweredInItsTurnAndTheConnectionGoesOn() {
    EmbeddedChannel channel = channel(echo());
    write(channel, "a\n" + "x".repeat(100) + "\nb\n");
    assertTrue(answer(channel).contains("\"echo\":\"a\""));
    assertTrue(answer(channel).contains("\"code\":\"too_large\""));
    assertTrue(answer(channel).contains("\"echo\":\"b\""));
  }

  @Test
  void aRequestThatDoesNotArriveInTimeIsAnsweredAndClosed() {
    // Defect 11: slowloris. A partial request is cut after the deadline, even if bytes trickle in.
    EmbeddedChannel channel = channel(echo());
    write(channel, "{\"v\":1,");
    channel.advanceTimeBy(20, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    write(channel, "\"op\":");
    channel.advanceTimeBy(11, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
    assertTrue(answer(channel).contains("\"code\":\"" + ErrorCode.TIMEOUT.wire() + "\""));
    assertFalse(channel.isOpen());
  }

  @Test
  void anIdleConnectionBetweenRequestsIsNotCut() {
    EmbeddedChannel channel = channel(echo());
    write(channel, "a\n");
    channel.advanceTimeBy(10, TimeUnit.MINUTES);
    channel.runScheduledPendingTasks();
    write(channel, "b\n");
    assertTrue(answer(channel).contains("\"echo\":\"a\""));
    assertTrue(answer(channel).contains("\"echo\":\"b\""));
    assertTrue(channel.isOpen());
  }

  @Test
  void unfinishedInputAcrossConnectionsIsBoundedByTheBudget() {
    // Defect 2: 400 connections with half a line each held ~2 GiB.
    InputBudget budget = new InputBudget(100);
    EmbeddedChannel first = channel(echo(), budget);
    EmbeddedChannel second = channel(echo(), budget);
    write(first, "a".repeat(60));
    write(second, "b".repeat(60));
    assertTrue(answer(second).contains("\"code\":\"busy\""));
    assertFalse(second.isOpen());
    assertEquals(60, budget.held(), "the refused connection's bytes were let go");
    write(first, "\n");
    assertTrue(answer(first).contains("\"echo\":\"" + "a".repeat(60) + "\""));
    assertEquals(0, budget.held());
  }

  @Test
  void aClientThatPipelinesFarAheadIsNoLongerReadUntilAnswersCatchUp() {
    CompletableFuture<Response> slow = new CompletableFuture<>();
    EmbeddedChannel channel = channel((caller, line) -> line[0] == 's' ? slow : echo().handle(caller, line));
    write(channel, "s\na\nb\nc\n");
    assertFalse(channel.config().isAutoRead(), "4 pending of at most 4");
    slow.complete(Response.ok());
    channel.runPendingTasks();
    assertTrue(channel.config().isAutoRead());
  }

  /**
   * A client that goes away before its answer is made (a Ctrl-C during the key derivation of a
   * keyslot add --recovery): the answer cannot be written, and its undelivered action runs, so the
   * daemon can say that a recovery key nobody saw now opens the vault. An answer that is written
   * runs no such action.
   */
  @Test
  void anAnswerWhoseClientWentAwayRunsItsUndeliveredActionAndOneWrittenDoesNot() {
    for (boolean goneFirst : new boolean[] {true, false}) {
      CompletableFuture<Response> later = new CompletableFuture<>();
      java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger afterSent = new java.util.concurrent.atomic.AtomicInteger();
      EmbeddedChannel channel = channel((caller, line) -> later);
      write(channel, "keyslot_add\n");
      if (goneFirst) {
        channel.close();
      }
      later.complete(Response.ok().with("recovery_key", dev.credagent.vault.Secret.adopt("KEY-KEY-KEY".toCharArray()))
          .ifUndelivered(lost::incrementAndGet).afterSent(afterSent::incrementAndGet));
      channel.runPendingTasks();
      assertEquals(goneFirst ? 1 : 0, lost.get(), goneFirst ? "the client went away first" : "the answer was written");
      assertEquals(1, afterSent.get(), "after-sent runs either way, as before");
      assertEquals(goneFirst ? 0 : 1, channel.outboundMessages().size(), "the line was written (and zeroed once sent)");
      channel.finishAndReleaseAll();
    }
  }

  /**
   * A client that sends a request and exits without reading resets its connection: each reset was
   * one warning in daemon.log, which is never rotated (by hand: 166 lines for 300 such python
   * clients), so a share's far side could grow it without end, as bad frames could before they
   * were bounded. Errors on a connection are warnings about clients, bounded as the others.
   */
  @Test
  void aFloodOfResetConnectionsWritesABoundedNumberOfWarnings() {
    try (CapturedLog log = new CapturedLog(LineHandler.class)) {
      for (int i = 0; i < 2_000; i++) {
        EmbeddedChannel channel = channel(echo());
        channel.pipeline().fireExceptionCaught(new java.io.IOException("recvAddress(..) failed: Connection reset by peer"));
        assertFalse(channel.isOpen(), "the connection is closed all the same");
      }
      assertTrue(log.records() <= 105, log.records() + " lines for 2,000 reset connections");
    }
  }
}
