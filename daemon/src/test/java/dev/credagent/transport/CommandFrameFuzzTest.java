package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Command frames from outside, in arbitrary pieces: at most one run, one first answer and one result. */
class CommandFrameFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void oneConnectionIsAtMostOneCommand(FuzzedDataProvider data) {
    AtomicInteger runs = new AtomicInteger();
    CommandRelay relay = new CommandRelay() {
      @Override
      public CompletableFuture<Input> input(List<String> args) {
        return CompletableFuture.completedFuture(Input.values()[args.size() % Input.values().length]);
      }

      @Override
      public CompletableFuture<CommandReply> run(dev.credagent.caller.Caller caller, List<String> args, byte[] stdin) {
        runs.incrementAndGet();
        return CompletableFuture.completedFuture(CommandReply.error(0, "done"));
      }
    };
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(
        new CommandFrameDecoder(new InputBudget(1 << 22), ServerLimits.DEFAULT, new ConnectionLimit(8)),
        new CommandChannelHandler(relay));
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
    assertTrue(runs.get() <= 1, "runs: " + runs.get());
    assertTrue(replies <= 2, "replies: " + replies);
    channel.finishAndReleaseAll();
  }
}
