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
  /** When the unfinished request now buffered began (System.nanoTime's scale); meaningless when none is. */
  private long unfinishedSince;

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

  /** {@code bytes} buffered at {@code now}; a request started now if none was, or if one just ended. */
  void buffered(long bytes, boolean restarted, long now) {
    if (bytes > 0 && (bufferedBytes == 0 || restarted)) {
      unfinishedSince = now;
    }
    bufferedBytes = bytes;
  }

  /** Input of an unfinished request buffered since before {@code cutoff}, and nothing unanswered. */
  boolean isStalledSince(long cutoff) {
    return bufferedBytes > 0 && pendingRequests == 0 && unfinishedSince - cutoff < 0;
  }

  long unfinishedSince() {
    return unfinishedSince;
  }

  void pending(int requests) {
    pendingRequests = requests;
  }
}
