package dev.credagent.audit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Reads /proc's small files and links with libc's open, read, readlink and close, through Java's
 * foreign function API, into one native buffer kept for the daemon's life. Every helper call reads
 * three of them while its answer waits; through java.nio each read built a FileChannel, its
 * Cleaner and two buffers, and cost several times the system calls themselves (half of what the
 * whole /proc lookup cost, measured with perf). Null where libc cannot be reached this way.
 */
final class ProcFiles {
  private static final int O_RDONLY_CLOEXEC = 0x80000; // O_RDONLY is 0; O_CLOEXEC on Linux
  private static final int PATH_BYTES = 512;
  private static final int BUFFER_BYTES = 4096;
  static final ProcFiles LINUX = create();

  private final MethodHandle open;
  private final MethodHandle read;
  private final MethodHandle readlink;
  private final MethodHandle close;
  private final MemorySegment path;
  private final MemorySegment buffer;

  private ProcFiles(MethodHandle open, MethodHandle read, MethodHandle readlink, MethodHandle close) {
    this.open = open;
    this.read = read;
    this.readlink = readlink;
    this.close = close;
    Arena arena = Arena.global(); // one buffer for the daemon's life: never freed, never reallocated
    this.path = arena.allocate(PATH_BYTES);
    this.buffer = arena.allocate(BUFFER_BYTES);
  }

  private static ProcFiles create() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      return new ProcFiles(
          linker.downcallHandle(libc.find("open").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
              Linker.Option.firstVariadicArg(2)),
          linker.downcallHandle(libc.find("read").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)),
          linker.downcallHandle(libc.find("readlink").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)),
          linker.downcallHandle(libc.find("close").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
    } catch (RuntimeException | Error unavailable) { // no native access granted: java.nio serves instead
      return null;
    }
  }

  /** The first bytes of {@code file} (at most {@code into.length}, one read), or -1 where it cannot be read. */
  synchronized int read(String file, byte[] into) {
    if (!setPath(file)) {
      return -1;
    }
    try {
      int fd = (int) open.invokeExact(path, O_RDONLY_CLOEXEC);
      if (fd < 0) {
        return -1;
      }
      long got;
      try {
        got = (long) read.invokeExact(fd, buffer, (long) Math.min(into.length, BUFFER_BYTES));
      } finally {
        int ignored = (int) close.invokeExact(fd);
      }
      if (got <= 0) {
        return -1;
      }
      MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, 0, (int) got);
      return (int) got;
    } catch (Throwable e) {
      return -1;
    }
  }

  /** Where the link {@code file} points, or null. */
  synchronized String readlink(String file) {
    if (!setPath(file)) {
      return null;
    }
    try {
      long got = (long) readlink.invokeExact(path, buffer, (long) BUFFER_BYTES);
      if (got <= 0 || got >= BUFFER_BYTES) {
        return null; // unreadable, or longer than any path we would log whole
      }
      byte[] bytes = new byte[(int) got];
      MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (Throwable e) {
      return null;
    }
  }

  private boolean setPath(String file) {
    byte[] bytes = file.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= PATH_BYTES) {
      return false;
    }
    MemorySegment.copy(bytes, 0, path, ValueLayout.JAVA_BYTE, 0, bytes.length);
    path.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
    return true;
  }
}
