package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Defect 11: a cap on connections that still lets a new client in. */
class ConnectionLimitTest {
  private long now;
  private final ConnectionLimit limit = new ConnectionLimit(2, () -> now);

  private EmbeddedChannel connect() {
    return new EmbeddedChannel(limit);
  }

  @Test
  void atTheCapTheLongestIdleConnectionMakesRoom() {
    EmbeddedChannel a = connect();
    EmbeddedChannel b = connect();
    limit.touch(a); // a was used after b connected: b is now the longest idle
    EmbeddedChannel c = connect();
    assertTrue(a.isOpen());
    assertFalse(b.isOpen());
    assertTrue(c.isOpen());
    assertEquals(2, limit.open());
  }

  @Test
  void busyConnectionsAreNotClosedAndANewOneIsTurnedAwayInstead() {
    EmbeddedChannel a = connect();
    EmbeddedChannel b = connect();
    ConnectionState.of(a).pending(1);
    limit.buffered(b, 10, false);
    now += ConnectionLimit.STALL_GRACE.toNanos() - 1; // b's request may still be on its way
    EmbeddedChannel c = connect();
    assertTrue(a.isOpen());
    assertTrue(b.isOpen());
    assertFalse(c.isOpen());
  }

  /**
   * Slowloris: at the cap, the connection whose unfinished request started longest ago (past the
   * grace) gives its place to the new client; before, every such one held its place until the
   * 30 s request deadline and new clients were turned away meanwhile.
   */
  @Test
  void atTheCapAStalledRequestGivesItsPlaceToANewClient() {
    List<Object> told = new ArrayList<>();
    EmbeddedChannel a = connect();
    EmbeddedChannel b = connect();
    for (EmbeddedChannel channel : List.of(a, b)) {
      channel.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object event) {
          told.add(channel == a ? "a" : "b");
        }
      });
    }
    limit.buffered(b, 1, false); // b sent "{" and no more
    now += 1_000_000;
    limit.buffered(a, 1, false); // then a did the same
    limit.buffered(a, 5, false); // and dribbles on: still the same request, started at the same time
    now += ConnectionLimit.STALL_GRACE.toNanos();
    EmbeddedChannel c = connect();
    assertTrue(c.isOpen(), "the new client is served");
    assertEquals(List.of("b"), told, "the older stalled request is the one told to go");
    assertEquals(2, limit.open());

    limit.buffered(a, 0, false);
    limit.buffered(a, 3, true); // a finished its request: the next one starts now
    ConnectionState.of(c).pending(1);
    assertFalse(connect().isOpen(), "a fresh request and work in progress keep their places");
  }

  @Test
  void aClosedConnectionFreesItsPlace() {
    EmbeddedChannel a = connect();
    connect();
    a.close();
    assertEquals(1, limit.open());
  }
}
