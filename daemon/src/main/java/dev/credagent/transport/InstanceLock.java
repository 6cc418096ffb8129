package dev.credagent.transport;

import dev.credagent.files.LockFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One daemon per socket: an exclusive lock on {@code SOCKET.lock}, held for the daemon's life and
 * released by the kernel however it dies, so a crashed daemon never blocks the next one and a
 * second daemon never removes the first one's socket.
 */
public final class InstanceLock implements AutoCloseable {
  /**
   * A daemon that was just told to stop removes its socket a moment before it releases the lock;
   * a daemon started in that moment (by the next command) waits for it rather than giving up.
   */
  private static final Duration HANDOVER = Duration.ofMillis(1500);

  private final LockFile lock;

  private InstanceLock(LockFile lock) {
    this.lock = lock;
  }

  public static InstanceLock acquire(Path socket) throws IOException {
    return acquire(socket, HANDOVER);
  }

  /** Waits up to {@code wait} for a daemon that is on its way out to release the lock. */
  public static InstanceLock acquire(Path socket, Duration wait) throws IOException {
    Path file = socket.resolveSibling(socket.getFileName() + ".lock");
    LockFile lock = LockFile.acquire(file, wait);
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
      throw new DaemonAlreadyRunningException(socket, holder.isEmpty() ? "unknown" : holder);
    }
    lock.write(ProcessHandle.current().pid() + "\n");
    return new InstanceLock(lock);
  }

  @Override
  public void close() throws IOException {
    lock.close();
  }
}
