package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A relay answer Netty sends (a frame that came late, a share's get, the rest of an answer the
 * socket did not take at once) holds the secret in a native buffer of its own, which the unpooled
 * allocator frees without zeroing: found by hand in a running daemon's memory (/proc/PID/mem) as
 * {@code "Secret":"...} after a get whose frame came 10 ms after connect. Once the write is done,
 * the buffer is zeroed before it is freed.
 */
class RelayAnswerWipeTest {
  private static final String ANSWER = "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s3cret\"}";

  @Test
  void aRelayAnswerSentByNettyIsZeroedOnceWritten() {
    RelayHandler relay = (caller, action, input) -> CompletableFuture.completedFuture(RelayReply.line(0, ANSWER));
    EmbeddedChannel channel = new EmbeddedChannel(new RelayChannelHandler(relay, new AnswerFlush(() -> {})));
    channel.writeInbound(new RelayFrameDecoder.Frame("get", "r.example".getBytes(StandardCharsets.US_ASCII)));
    channel.runPendingTasks();
    ByteBuf sent = channel.readOutbound(); // what went to the socket; its write is done
    try {
      assertEquals(0, sent.readerIndex());
      byte[] left = new byte[sent.writerIndex()];
      sent.getBytes(0, left);
      assertTrue(left.length > ANSWER.length(), "the answer was written: " + left.length);
      assertTrue(new String(left, StandardCharsets.ISO_8859_1).chars().allMatch(c -> c == 0),
          "zeroed once written: " + new String(left, StandardCharsets.ISO_8859_1));
    } finally {
      sent.release();
    }
  }

  @Test
  void theRestOfAnAnswerNettySendsIsZeroedOnceWritten() {
    byte[] rest = ANSWER.getBytes(StandardCharsets.US_ASCII);
    EmbeddedChannel channel = new EmbeddedChannel(new HandOff.Rest(rest));
    channel.runPendingTasks();
    ByteBuf sent = channel.readOutbound();
    try {
      byte[] left = new byte[sent.writerIndex()];
      sent.getBytes(0, left);
      assertEquals(ANSWER.length(), left.length);
      assertTrue(new String(left, StandardCharsets.ISO_8859_1).chars().allMatch(c -> c == 0),
          "zeroed once written: " + new String(left, StandardCharsets.ISO_8859_1));
    } finally {
      sent.release();
    }
  }
}
