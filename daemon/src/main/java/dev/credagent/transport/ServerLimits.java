package dev.credagent.transport;

import java.time.Duration;

/**
 * Every bound the socket server keeps, in one place: a daemon lives all session, so nothing a
 * client sends or leaves open may grow without limit.
 *
 * @param maxLineBytes longest JSON request line; a longer one is discarded and answered {@code too_large}
 * @param inputBudgetBytes bytes of unfinished requests held across all connections at once; the
 *     connection whose input takes the total over it is answered {@code busy} and closed
 * @param maxConnections open connections at once; at the cap the longest-idle one makes room
 * @param requestDeadline how long a request may take to arrive once its first byte has (slowloris)
 * @param maxPendingPerConnection pipelined requests read ahead of their answers; past it the
 *     connection is not read until answers catch up
 * @param firstBytesWait how long the acceptor waits for a new connection's first bytes before it
 *     hands the connection to Netty: a helper writes its frame microseconds after connect, but the
 *     acceptor woken on its core can read before that, and Netty's path cost such a call ten times
 *     the acceptor's. The wait ends as soon as another connection waits to be taken, so a client
 *     that stalls delays nobody.
 */
public record ServerLimits(
    int maxLineBytes, long inputBudgetBytes, int maxConnections, Duration requestDeadline, int maxPendingPerConnection,
    Duration firstBytesWait) {
  /** A helper's stdin is capped at 1 MiB, and a JSON line may carry it escaped: 4 MiB. */
  public static final ServerLimits DEFAULT =
      new ServerLimits(4 * 1024 * 1024, 16L * 1024 * 1024, 256, Duration.ofSeconds(30), 64, Duration.ofMillis(1));
}
