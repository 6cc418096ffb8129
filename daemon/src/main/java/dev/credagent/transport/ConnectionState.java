package dev.credagent.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the connection cap needs to know of one connection: whether it is in the middle of
 * something (input buffered, requests unanswered) and when it last was.
 */
final class ConnectionState {
  private static final AttributeKey<ConnectionState> KEY = AttributeKey.valueOf("credagent.connection");

  private long lastActive;
  private long bufferedBytes;
  private int pendingRequests;

  static ConnectionState of(Channel channel) {
    ConnectionState state = channel.attr(KEY).get();
    if (state == null) {
      state = new ConnectionState();
      channel.attr(KEY).set(state);
    }
    return state;
  }

  boolean isIdle() {
    return bufferedBytes == 0 && pendingRequests == 0;
  }

  long lastActive() {
    return lastActive;
  }

  void touched(long sequence) {
    lastActive = sequence;
  }

  void buffered(long bytes) {
    bufferedBytes = bytes;
  }

  void pending(int requests) {
    pendingRequests = requests;
  }
}
