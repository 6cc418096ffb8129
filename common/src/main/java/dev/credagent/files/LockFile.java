package dev.credagent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/**
 * An exclusive lock on a file beside the socket, released by the kernel however its holder dies.
 * The file is opened without following a symbolic link (O_NOFOLLOW), so a link planted in its
 * place cannot make us create or truncate a file elsewhere. It is a POSIX record lock (fcntl),
 * the kind the C helper takes too.
 */
public final class LockFile implements AutoCloseable {
  private static final long POLL_MILLIS = 20;

  private final FileChannel channel;
  private final FileLock lock;

  private LockFile(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock within {@code wait}, or returns null when another process still holds it. */
  public static LockFile acquire(Path file, Duration wait) throws IOException {
    FileChannel channel = FileChannel.open(file,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      long deadline = System.nanoTime() + wait.toNanos();
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return new LockFile(channel, lock);
        }
        if (System.nanoTime() > deadline) {
          channel.close();
          return null;
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.close();
      return null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Replaces the file's content, e.g. with the holder's pid for whoever finds it locked. */
  public void write(String content) throws IOException {
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
