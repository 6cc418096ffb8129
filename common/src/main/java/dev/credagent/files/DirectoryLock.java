package dev.credagent.files;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An exclusive flock(2) on a directory itself, held until {@link #close}. {@link HomeLock}'s lock
 * on {@code daemon.lock} alone could be dodged by deleting that file: the next daemon made a new
 * one, locked it, and two daemons wrote one vault from their own memories (an acknowledged store
 * was lost). A directory cannot be unlinked while it holds the vault, so its lock cannot be
 * dodged that way. flock, not fcntl: it belongs to the open file, not to the process, so no other
 * descriptor of ours on the directory releases it. Java's child processes close inherited
 * descriptors before exec, so a pinentry or source never holds it past the daemon.
 */
final class DirectoryLock implements AutoCloseable {
  private static final int O_RDONLY = 0;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final Linker LINKER = Linker.nativeLinker();
  /**
   * Every libc call of the daemon's has this one shape, five longs in and a long out (an int, a
   * pointer's address), whatever the C prototype: the FFM linker spins a stub class and its method
   * handles' forms per shape, never per function, and keeps them (docs/design.md, "One call shape").
   */
  private static final FunctionDescriptor ONE_SHAPE = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
  private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(), ONE_SHAPE);
  private static final MethodHandle FLOCK = LINKER.downcallHandle(LINKER.defaultLookup().find("flock").orElseThrow(), ONE_SHAPE);
  private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(), ONE_SHAPE);

  private int fd;

  private DirectoryLock(int fd) {
    this.fd = fd;
  }

  /** The lock on {@code dir}, waiting at most {@code wait} for its holder; null when another holds it still. */
  static DirectoryLock acquire(Path dir, Duration wait) throws IOException {
    int fd;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment path = arena.allocateFrom(dir.toAbsolutePath().toString());
      fd = (int) (long) OPEN.invokeExact(path.address(), (long) O_RDONLY, 0L, 0L, 0L);
    } catch (Throwable e) {
      throw new IOException("cannot open " + dir + " to lock it", e);
    }
    if (fd < 0) {
      throw new IOException("cannot open " + dir + " to lock it (is it a directory of yours?)");
    }
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        if ((int) (long) FLOCK.invokeExact((long) fd, (long) (LOCK_EX | LOCK_NB), 0L, 0L, 0L) == 0) {
          return new DirectoryLock(fd);
        }
        if (System.nanoTime() >= deadline) {
          closeFd(fd);
          return null;
        }
        Thread.sleep(20); // a daemon that is stopping: its lock goes with its process
      }
    } catch (InterruptedException e) {
      closeFd(fd);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the lock on " + dir, e);
    } catch (Throwable e) {
      closeFd(fd);
      throw new IOException("cannot lock " + dir, e);
    }
  }

  @Override
  public synchronized void close() {
    if (fd >= 0) {
      closeFd(fd);
      fd = -1;
    }
  }

  private static void closeFd(int fd) {
    try {
      long ignored = (long) CLOSE.invokeExact((long) fd, 0L, 0L, 0L, 0L);
    } catch (Throwable unlikely) {
      // the process ends soon after, and its descriptors with it
    }
  }
}
