package dev.credagent.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

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
  private static final long HANDOVER_NANOS = 1_500_000_000L;

  private final FileChannel channel;
  private final FileLock lock;

  private InstanceLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static InstanceLock acquire(Path socket) throws IOException {
    Path file = socket.resolveSibling(socket.getFileName() + ".lock");
    FileChannel channel = FileChannel.open(file,
        java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    FileLock lock = lockWithin(channel, HANDOVER_NANOS);
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
      channel.close();
      throw new DaemonAlreadyRunningException(socket, holder.isEmpty() ? "unknown" : holder);
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return new InstanceLock(channel, lock);
  }

  private static FileLock lockWithin(FileChannel channel, long nanos) throws IOException {
    long deadline = System.nanoTime() + nanos;
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null || System.nanoTime() > deadline) {
        return lock;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
