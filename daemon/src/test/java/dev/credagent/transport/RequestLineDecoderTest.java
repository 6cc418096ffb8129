package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lines across reads, however the reads fall, and every buffer read released: a read that arrives
 * when nothing is left of the last becomes the cumulation itself instead of being copied.
 */
class RequestLineDecoderTest {
  private static final ServerLimits LIMITS = new ServerLimits(64, 1024, 8, Duration.ofSeconds(30), 4, Duration.ofMillis(1));
  private final List<ByteBuf> reads = new ArrayList<>();

  private EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new RequestLineDecoder(new InputBudget(LIMITS.inputBudgetBytes()), LIMITS, new ConnectionLimit(8)));
    return channel;
  }

  private void read(EmbeddedChannel channel, String text) {
    ByteBuf buffer = Unpooled.directBuffer(64).writeBytes(text.getBytes(StandardCharsets.UTF_8));
    reads.add(buffer);
    channel.writeInbound(buffer);
  }

  private static String line(EmbeddedChannel channel) {
    byte[] line = channel.readInbound();
    return line == null ? null : new String(line, StandardCharsets.UTF_8);
  }

  @Test
  void linesComeWholeHoweverTheReadsFallAndNoReadIsLeaked() {
    EmbeddedChannel channel = channel();
    read(channel, "{\"op\":\"a\"}\n");
    assertEquals("{\"op\":\"a\"}", line(channel));
    read(channel, "{\"op\":");            // after a read used up whole: a partial line
    assertNull(line(channel));
    read(channel, "\"b\"}\n{\"op\":\"c\"}\n{\"o");
    assertEquals("{\"op\":\"b\"}", line(channel));
    assertEquals("{\"op\":\"c\"}", line(channel));
    assertNull(line(channel));
    read(channel, "p\":\"d\"}\n");
    assertEquals("{\"op\":\"d\"}", line(channel));
    read(channel, "{\"op\":\"e\"}\n");     // again after nothing was left
    read(channel, "{\"op\":\"f\"}\n");
    assertEquals("{\"op\":\"e\"}", line(channel));
    assertEquals("{\"op\":\"f\"}", line(channel));
    read(channel, "{\"op\":\"g\"}");      // the end of input ends the last line
    channel.finish();
    assertEquals("{\"op\":\"g\"}", line(channel));
    for (ByteBuf buffer : reads) {
      assertEquals(0, buffer.refCnt(), "every read is released once decoded");
    }
  }
}
