package dev.credagent.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * A daemon started by another program (the helper's autostart) sends what it says to its log once
 * it is listening: the file is put on its standard output and error with dup2(2). Until then, what
 * it says (a bad config file, another daemon on the vault) reaches the program that started it,
 * through the pipe it gave; the pipe's end (the daemon's last byte into it) tells that program the
 * daemon is listening, with no second JVM to start it and wait. Java cannot dup2, so this calls
 * libc through the FFM API, as {@code source.ProcessGroup} calls kill(2).
 */
public final class DetachedOutput {
  private DetachedOutput() {}

  /** Puts {@code log} (created 0600, appended to) on fds 1 and 2; false where that cannot be done here. */
  public static boolean to(Path log) throws IOException {
    Flags flags = Flags.here();
    if (flags == null) {
      return false;
    }
    try (Arena arena = Arena.ofConfined()) {
      Linker linker = Linker.nativeLinker();
      MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
          Linker.Option.firstVariadicArg(2));
      MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      int fd = (int) open.invokeExact(arena.allocateFrom(log.toString()), flags.writeAppendCreate(), 0600);
      if (fd < 0) {
        throw new IOException("cannot open " + log + " for the daemon's output");
      }
      System.out.flush();
      System.err.flush();
      boolean moved = (int) dup2.invokeExact(fd, 1) >= 0 && (int) dup2.invokeExact(fd, 2) >= 0;
      int ignored = (int) close.invokeExact(fd);
      return moved;
    } catch (IOException e) {
      throw e;
    } catch (Throwable unavailable) {
      return false;
    }
  }

  /**
   * open(2)'s O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, which differ by kernel (the same on every
   * Linux architecture; O_NOFOLLOW is not, and the log lies in the private home the daemon checked).
   */
  private record Flags(int writeAppendCreate) {
    static Flags here() {
      String os = System.getProperty("os.name", "");
      if (os.equals("Linux")) {
        return new Flags(01 | 02000 | 0100 | 02000000);
      }
      if (os.startsWith("Mac")) {
        return new Flags(0x1 | 0x8 | 0x200 | 0x1000000);
      }
      return null;
    }
  }
}
