package dev.credagent.daemon;

import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * Where logins, token fetches and sources wait on the outside world: each on a virtual thread of
 * its own, at most {@link #MAX_IN_FLIGHT} at once, so that a registry or a source that stalls
 * holds only its own request (four stalled logins once held all four threads of a fixed pool, and
 * a healthy registry's login and a source's get waited behind them). Every wait inside is bounded
 * (an exchange's deadline, a source's timeout), so a permit always comes back.
 */
final class NetworkThreads implements Executor {
  static final int MAX_IN_FLIGHT = 64;

  private final Semaphore permits = new Semaphore(MAX_IN_FLIGHT, true);
  private final Thread.Builder threads;

  NetworkThreads(String name) {
    this.threads = Thread.ofVirtual().name(name, 0);
  }

  @Override
  public void execute(Runnable task) {
    threads.start(() -> {
      try {
        permits.acquire();
      } catch (InterruptedException shuttingDown) {
        return;
      }
      try {
        task.run();
      } finally {
        permits.release();
      }
    });
  }
}
