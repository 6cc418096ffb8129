package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** Defect 11: a cap on connections that still lets a new client in. */
class ConnectionLimitTest {
  private final ConnectionLimit limit = new ConnectionLimit(2);

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
    ConnectionState.of(b).buffered(10);
    EmbeddedChannel c = connect();
    assertTrue(a.isOpen());
    assertTrue(b.isOpen());
    assertFalse(c.isOpen());
  }

  @Test
  void aClosedConnectionFreesItsPlace() {
    EmbeddedChannel a = connect();
    connect();
    a.close();
    assertEquals(1, limit.open());
  }
}
