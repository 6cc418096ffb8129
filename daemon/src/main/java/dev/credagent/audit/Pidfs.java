package dev.credagent.audit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A hold on a process by a pidfd (pidfd_open, Linux 5.3+), kept open while the process is kept.
 * A pidfd becomes readable when its process exits; until then its pid cannot name another process,
 * so one {@code poll} with no wait tells that a kept pid is still the process read. That is one
 * cheap system call per look-up; opening a pidfd and closing it (pidfs allocates a file and a
 * dentry for it) cost the daemon 8% of its CPU per connection when done on every one (perf, see
 * docs/design.md, issue 32), more than the /proc reads it would have saved. Null where libc has
 * no pidfd_open (glibc before 2.36) or the kernel refuses it.
 */
final class Pidfs implements ProcessIdentity {
  private static final short POLLIN = 0x1;
  static final Pidfs LINUX = create();

  private final MethodHandle pidfdOpen;
  private final MethodHandle poll;
  private final MethodHandle close;
  /** One struct pollfd ({int fd; short events; short revents;}) for the daemon's life. */
  private final MemorySegment pollfd;
  /** As many as {@link CallerProcesses} holds at most, for {@link #exited}. */
  private final MemorySegment pollfds;

  private Pidfs(MethodHandle pidfdOpen, MethodHandle poll, MethodHandle close) {
    this.pidfdOpen = pidfdOpen;
    this.poll = poll;
    this.close = close;
    this.pollfd = Arena.global().allocate(8, 8);
    this.pollfds = Arena.global().allocate(8L * CallerProcesses.SLOTS, 8);
  }

  private static Pidfs create() {
    if (ProcFiles.LINUX == null) { // not Linux, or no native access: no pidfd either
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      // None of the three ever waits (every poll here has a timeout of 0), so each is a critical call:
      // no switch of the thread to native state and back, with its fence and safepoint check.
      Linker.Option quick = Linker.Option.critical(false);
      Pidfs pidfs = new Pidfs(
          linker.downcallHandle(libc.find("pidfd_open").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), quick),
          linker.downcallHandle(libc.find("poll").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), quick),
          linker.downcallHandle(libc.find("close").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), quick));
      long self = pidfs.open(ProcessHandle.current().pid()); // the kernel may lack it (before 5.3)
      if (self == UNKNOWN) {
        return null;
      }
      pidfs.close(self);
      return pidfs;
    } catch (RuntimeException | Error unavailable) {
      return null;
    }
  }

  @Override
  public synchronized long open(long pid) {
    if (pid <= 0 || pid > Integer.MAX_VALUE) {
      return UNKNOWN;
    }
    try {
      int fd = (int) pidfdOpen.invokeExact((int) pid, 0); // close-on-exec, always
      return fd < 0 ? UNKNOWN : fd; // gone (ESRCH), or out of descriptors: read, not kept
    } catch (Throwable e) {
      return UNKNOWN;
    }
  }

  @Override
  public synchronized boolean holds(long pid, long hold) {
    try {
      pollfd.set(ValueLayout.JAVA_INT, 0, (int) hold);
      pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
      pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
      int ready = (int) poll.invokeExact(pollfd, 1L, 0);
      return ready == 0; // not readable: not exited. 1 (exited) or -1 (EINTR, ...): read anew
    } catch (Throwable e) {
      return false;
    }
  }

  @Override
  public synchronized boolean exited(long[] holds, int count, boolean[] gone) {
    if (count > CallerProcesses.SLOTS) {
      return false;
    }
    try {
      for (int i = 0; i < count; i++) {
        pollfds.set(ValueLayout.JAVA_INT, 8L * i, (int) holds[i]);
        pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
        pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 6, (short) 0);
      }
      int ready = (int) poll.invokeExact(pollfds, (long) count, 0);
      if (ready < 0) {
        return false; // EINTR: nothing told, nothing let go
      }
      for (int i = 0; i < count; i++) {
        gone[i] = pollfds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0; // readable: exited
      }
      return true;
    } catch (Throwable e) {
      return false;
    }
  }

  @Override
  public synchronized void close(long hold) {
    try {
      int ignored = (int) close.invokeExact((int) hold);
    } catch (Throwable e) {
      // nothing to do: the descriptor is gone either way
    }
  }
}
