package dev.credagent.audit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A process's identity from pidfs (Linux 6.9+): the inode of a pidfd for it is a 64-bit number
 * the kernel gives each process once and never again, so a process that later gets the same pid
 * has another. Three system calls (pidfd_open, fstat, close) into one native buffer, no path, no
 * allocation; cheaper than reading /proc/PID/stat for its start time (measured: see
 * docs/design.md, issue 32). Null where there is no pidfs: older kernels give every pidfd the
 * same anonymous inode, which would make every process one.
 */
final class Pidfs implements ProcessIdentity {
  /** statfs's f_type of pidfs (include/uapi/linux/magic.h). */
  private static final long PIDFS_MAGIC = 0x50494446L;
  /** struct stat's st_ino: after the 8-byte st_dev, on x86_64 and on the generic layout (arm64). */
  private static final long ST_INO_OFFSET = 8;
  private static final int STAT_BYTES = 256; // struct stat is 144 bytes on x86_64, 128 on arm64
  static final Pidfs LINUX = create();

  private final MethodHandle pidfdOpen;
  private final MethodHandle fstat;
  private final MethodHandle close;
  private final MemorySegment stat;

  private Pidfs(MethodHandle pidfdOpen, MethodHandle fstat, MethodHandle close) {
    this.pidfdOpen = pidfdOpen;
    this.fstat = fstat;
    this.close = close;
    this.stat = Arena.global().allocate(STAT_BYTES, 8); // one buffer for the daemon's life
  }

  private static Pidfs create() {
    if (ProcFiles.LINUX == null) { // not Linux, or no native access: no pidfs either
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      Pidfs pidfs = new Pidfs(
          linker.downcallHandle(libc.find("pidfd_open").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
          linker.downcallHandle(libc.find("fstat").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
          close);
      return pidfs.isPidfs(linker, libc) ? pidfs : null;
    } catch (RuntimeException | Error unavailable) { // glibc before 2.36 has no pidfd_open
      return null;
    }
  }

  /** Whether this kernel's pidfds live on pidfs, asked once of this process's own. */
  private boolean isPidfs(Linker linker, SymbolLookup libc) throws Error {
    try (Arena arena = Arena.ofConfined()) {
      MethodHandle fstatfs = linker.downcallHandle(libc.find("fstatfs").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
      MemorySegment statfs = arena.allocate(256, 8); // struct statfs: f_type is its first word
      int fd = (int) pidfdOpen.invokeExact((int) ProcessHandle.current().pid(), 0);
      if (fd < 0) {
        return false;
      }
      try {
        return (int) fstatfs.invokeExact(fd, statfs) == 0 && statfs.get(ValueLayout.JAVA_LONG, 0) == PIDFS_MAGIC;
      } finally {
        int ignored = (int) close.invokeExact(fd);
      }
    } catch (Throwable unavailable) {
      return false;
    }
  }

  @Override
  public synchronized long of(long pid) {
    if (pid <= 0 || pid > Integer.MAX_VALUE) {
      return UNKNOWN;
    }
    try {
      int fd = (int) pidfdOpen.invokeExact((int) pid, 0);
      if (fd < 0) {
        return UNKNOWN; // gone (ESRCH), or out of descriptors: read, not cached
      }
      try {
        return (int) fstat.invokeExact(fd, stat) == 0 ? stat.get(ValueLayout.JAVA_LONG, ST_INO_OFFSET) : UNKNOWN;
      } finally {
        int ignored = (int) close.invokeExact(fd);
      }
    } catch (Throwable e) {
      return UNKNOWN;
    }
  }
}
