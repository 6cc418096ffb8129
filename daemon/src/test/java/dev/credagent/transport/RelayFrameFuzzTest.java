package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Relay frames from outside, in arbitrary pieces: at most one call, at most one reply, no escape. */
class RelayFrameFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void oneConnectionIsAtMostOneCallAndOneReply(FuzzedDataProvider data) {
    AtomicInteger calls = new AtomicInteger();
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(
        new RelayFrameDecoder(new InputBudget(1 << 20), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new RelayChannelHandler((caller, action, input) -> {
          calls.incrementAndGet();
          return CompletableFuture.completedFuture(RelayReply.line(0, "ok"));
        }));
    while (data.remainingBytes() > 0 && channel.isOpen()) {
      channel.writeInbound(Unpooled.wrappedBuffer(data.consumeBytes(1 + data.consumeInt(0, 64))));
      channel.runPendingTasks();
    }
    if (channel.isOpen()) {
      channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      channel.runPendingTasks();
    }
    int replies = 0;
    for (ByteBuf reply; (reply = channel.readOutbound()) != null; reply.release()) {
      replies++;
    }
    assertTrue(calls.get() <= 1, "calls: " + calls.get());
    assertTrue(replies <= 1, "replies: " + replies);
    channel.finishAndReleaseAll();
  }
}
