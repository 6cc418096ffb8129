package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.failure.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every decoder of the daemon holds to (BoundedDecoder, here under RequestLineDecoder): the
 * unfinished input of all connections together stays within one budget, a request arrives within
 * the deadline (which each whole request restarts), and what it read is zeroed once copied or
 * dropped. Time is the channel's frozen clock, moved by the test.
 */
class BoundedDecoderTest {
  private static final ServerLimits LIMITS = new ServerLimits(1024, 64, 8, Duration.ofSeconds(30), 4, Duration.ofMillis(1));

  private static EmbeddedChannel channel(InputBudget budget) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new RequestLineDecoder(budget, LIMITS, new ConnectionLimit(8)));
    return channel;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static InputRejectedException rejected(EmbeddedChannel channel) {
    return assertThrows(InputRejectedException.class, channel::checkException);
  }

  @Test
  void theBudgetIsSharedAndTheConnectionOverItIsTheOneRefused() {
    InputBudget budget = new InputBudget(LIMITS.inputBudgetBytes());
    EmbeddedChannel first = channel(budget);
    EmbeddedChannel second = channel(budget);
    first.writeInbound(Unpooled.wrappedBuffer(ascii("{\"op\":\"store\",\"x\":\"" + "a".repeat(20))));
    assertDoesNotThrow(first::checkException);
    long firstHolds = budget.held();
    assertTrue(firstHolds > 0 && firstHolds <= 64, "held " + firstHolds);

    InputRejectedException busy = assertThrows(InputRejectedException.class, () ->
        second.writeInbound(Unpooled.wrappedBuffer(ascii("{\"op\":\"store\",\"x\":\"" + "b".repeat(40)))));
    assertEquals(ErrorCode.BUSY, busy.code());
    assertFalse(second.config().isAutoRead(), "nothing more is read from the refused connection");
    assertEquals(firstHolds, budget.held(), "the refused connection's bytes went back to the budget");

    // The first finishes its line: what it held is given back, and it goes on unharmed.
    first.writeInbound(Unpooled.wrappedBuffer(ascii("\"}\n")));
    assertDoesNotThrow(first::checkException);
    assertTrue(((byte[]) first.readInbound()).length > 0);
    assertEquals(0, budget.held());
  }

  @Test
  void aClosedConnectionGivesItsBytesBack() {
    InputBudget budget = new InputBudget(LIMITS.inputBudgetBytes());
    EmbeddedChannel channel = channel(budget);
    channel.writeInbound(Unpooled.wrappedBuffer(ascii("{\"op\":")));
    assertEquals(6, budget.held());
    channel.close();
    assertEquals(0, budget.held());
  }

  @Test
  void aRequestMustArriveWithinTheDeadlineWhichEachWholeRequestRestarts() {
    EmbeddedChannel channel = channel(new InputBudget(LIMITS.inputBudgetBytes()));
    channel.writeInbound(Unpooled.wrappedBuffer(ascii("{\"op\":\"a\"")));
    channel.advanceTimeBy(20, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    // The first line completes and a second begins, 20 s in: its own 30 s start now.
    channel.writeInbound(Unpooled.wrappedBuffer(ascii("}\n{\"op\":")));
    assertArrayEquals(ascii("{\"op\":\"a\"}"), channel.readInbound());
    channel.advanceTimeBy(25, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertDoesNotThrow(channel::checkException);

    channel.advanceTimeBy(6, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    InputRejectedException late = rejected(channel);
    assertEquals(ErrorCode.TIMEOUT, late.code());
    assertTrue(late.getMessage().contains("within 30 s"), late.getMessage());
    assertNull(channel.readInbound());
  }

  @Test
  void byteByByteIsNoWayAroundTheDeadline() {
    // A client that sends one byte a second never completes a request: the deadline runs from the
    // first byte of the request, not from the last read.
    EmbeddedChannel channel = channel(new InputBudget(LIMITS.inputBudgetBytes()));
    for (int second = 0; second < 30; second++) {
      channel.writeInbound(Unpooled.wrappedBuffer(ascii("x")));
      channel.advanceTimeBy(1, TimeUnit.SECONDS);
      channel.runScheduledPendingTasks();
    }
    assertEquals(ErrorCode.TIMEOUT, rejected(channel).code());
  }

  @Test
  void noInputNoDeadline() {
    EmbeddedChannel channel = channel(new InputBudget(LIMITS.inputBudgetBytes()));
    channel.writeInbound(Unpooled.wrappedBuffer(ascii("{\"op\":\"a\"}\n")));
    channel.readInbound();
    channel.advanceTimeBy(1, TimeUnit.HOURS); // an idle connection between requests is not late
    channel.runScheduledPendingTasks();
    assertDoesNotThrow(channel::checkException);
  }

  @Test
  void whatWasReadIsZeroedOnceCopiedOrDropped() {
    EmbeddedChannel channel = channel(new InputBudget(LIMITS.inputBudgetBytes()));
    byte[] first = ascii("{\"op\":\"store\",\"secret\":\"hunt");
    byte[] second = ascii("er2\"}\n");
    channel.writeInbound(Unpooled.wrappedBuffer(first));
    channel.writeInbound(Unpooled.wrappedBuffer(second));
    assertArrayEquals(ascii("{\"op\":\"store\",\"secret\":\"hunter2\"}"), channel.readInbound());
    assertArrayEquals(new byte[first.length], first, "the first read, merged into a larger buffer, was zeroed");
    assertArrayEquals(new byte[second.length], second, "the second read was zeroed once copied");

    // A request left unfinished at the deadline: dropped, and zeroed where it lay.
    byte[] unfinished = ascii("{\"op\":\"store\",\"secret\":\"s3cr");
    channel.writeInbound(Unpooled.wrappedBuffer(unfinished));
    channel.advanceTimeBy(31, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertEquals(ErrorCode.TIMEOUT, rejected(channel).code());
    assertArrayEquals(new byte[unfinished.length], unfinished);
  }

  @Test
  void aStalledConnectionThatMustMakeRoomIsAnsweredTimeout() {
    EmbeddedChannel channel = channel(new InputBudget(LIMITS.inputBudgetBytes()));
    byte[] unfinished = ascii("{\"op\":\"get\"");
    channel.writeInbound(Unpooled.wrappedBuffer(unfinished));
    channel.pipeline().fireUserEventTriggered(ConnectionLimit.Stalled.INSTANCE);
    InputRejectedException stalled = rejected(channel);
    assertEquals(ErrorCode.TIMEOUT, stalled.code());
    assertTrue(stalled.getMessage().contains("needed its place for a new client"), stalled.getMessage());
    assertArrayEquals(new byte[unfinished.length], unfinished);
  }
}
