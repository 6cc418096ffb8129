package dev.credagent.prompt;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A terminal's modes (termios) as they were before a pinentry turned echo off, put back after a
 * pinentry that was killed (its client gone, or no answer in time): killed, pinentry-tty cannot
 * restore them itself, and the user's shell was left with echo off. The struct is kept as opaque
 * bytes (tcgetattr's, given back to tcsetattr unread), so its layout per platform does not matter.
 * Java has no termios; {@code stty} would be a process per prompt and spells its device option
 * differently per platform, so it is two libc calls through the FFM API.
 */
final class TerminalModes {
  /** Larger than any platform's struct termios (Linux 60 bytes, macOS 72). */
  private static final int TERMIOS_BYTES = 256;
  private static final int TCSANOW = 0;
  private static final Calls LIBC = Calls.load();

  private final String tty;
  private final byte[] saved;

  private TerminalModes(String tty, byte[] saved) {
    this.tty = tty;
    this.saved = saved;
  }

  /** The modes of {@code tty} now; null where they cannot be read (then nothing is restored). */
  static TerminalModes save(String tty) {
    if (tty == null || LIBC == null) {
      return null;
    }
    try (Arena arena = Arena.ofConfined()) {
      int fd = open(arena, tty);
      if (fd < 0) {
        return null;
      }
      try {
        MemorySegment termios = arena.allocate(TERMIOS_BYTES);
        if ((int) LIBC.tcgetattr.invokeExact(fd, termios) != 0) {
          return null;
        }
        return new TerminalModes(tty, termios.toArray(ValueLayout.JAVA_BYTE));
      } finally {
        int ignored = (int) LIBC.close.invokeExact(fd);
      }
    } catch (Throwable unavailable) {
      return null;
    }
  }

  /** Puts the saved modes back (echo on, as the shell had it); false where that failed. */
  boolean restore() {
    try (Arena arena = Arena.ofConfined()) {
      int fd = open(arena, tty);
      if (fd < 0) {
        return false;
      }
      try {
        MemorySegment termios = arena.allocate(TERMIOS_BYTES);
        termios.copyFrom(MemorySegment.ofArray(saved));
        return (int) LIBC.tcsetattr.invokeExact(fd, TCSANOW, termios) == 0;
      } finally {
        int ignored = (int) LIBC.close.invokeExact(fd);
      }
    } catch (Throwable unavailable) {
      return false;
    }
  }

  /** O_RDWR | O_NOCTTY | O_NONBLOCK: the daemon must never make the user's terminal its own. */
  private static int open(Arena arena, String tty) throws Throwable {
    return (int) LIBC.open.invokeExact(arena.allocateFrom(tty), LIBC.openFlags);
  }

  private record Calls(MethodHandle open, MethodHandle close, MethodHandle tcgetattr, MethodHandle tcsetattr, int openFlags) {
    static Calls load() {
      try {
        Linker linker = Linker.nativeLinker();
        var lookup = linker.defaultLookup();
        boolean mac = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("mac");
        // O_RDWR 2; O_NOCTTY: Linux 0400, macOS 0x20000; O_NONBLOCK: Linux 04000, macOS 4.
        int flags = 2 | (mac ? 0x20000 | 4 : 0400 | 04000);
        return new Calls(
            linker.downcallHandle(lookup.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)),
            linker.downcallHandle(lookup.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
            linker.downcallHandle(lookup.find("tcgetattr").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
            linker.downcallHandle(lookup.find("tcsetattr").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
            flags);
      } catch (RuntimeException | LinkageError unavailable) {
        return null;
      }
    }
  }
}
