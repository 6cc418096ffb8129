package dev.credagent.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * What the daemon does to itself first, because its memory holds the key and every secret:
 *
 * <ul>
 *   <li>no core dumps: {@code RLIMIT_CORE} 0, soft and hard, so nothing it runs can raise it
 *       again; a crash or a SIGSEGV/SIGABRT writes nothing to disk;
 *   <li>on Linux, not dumpable ({@code prctl(PR_SET_DUMPABLE, 0)}): no core even through a
 *       core_pattern pipe, and processes of the same user cannot ptrace it or read its memory
 *       through /proc;
 *   <li>umask 077: whatever it writes (the vault, the log, a crash report) is private.
 * </ul>
 *
 * Through Java's foreign function API, so no native code of ours is needed.
 */
public final class ProcessHardening {
  private static final int RLIMIT_CORE = 4; // the same number on Linux and macOS
  private static final int PR_SET_DUMPABLE = 4;

  private ProcessHardening() {}

  /** Applies all three; throws when the platform refuses, since running without them is unsafe. */
  public static void apply() {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment noCore = arena.allocate(ValueLayout.JAVA_LONG, 2); // struct rlimit {cur, max}: zeros
      int result = (int) (long) function(linker, libc, "setrlimit")
          .invokeExact((long) RLIMIT_CORE, noCore.address(), 0L, 0L, 0L);
      require(result == 0, "setrlimit(RLIMIT_CORE, 0)");
      if (isLinux()) { // prctl is variadic; on Linux its arguments go where fixed ones do
        require((int) (long) function(linker, libc, "prctl").invokeExact((long) PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) == 0,
            "prctl(PR_SET_DUMPABLE, 0)");
      }
      long ignoredPrevious = (long) function(linker, libc, "umask").invokeExact(0077L, 0L, 0L, 0L, 0L);
    } catch (IllegalStateException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("cannot harden the daemon process (no core dumps, private files): " + e, e);
    }
  }

  /**
   * In the one shape of every libc call of the daemon's (five longs in, a long out; see
   * files.DirectoryLock): a shape of their own would spin a stub and forms that stay for good.
   */
  private static MethodHandle function(Linker linker, SymbolLookup libc, String name) {
    return linker.downcallHandle(libc.find(name).orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
  }

  private static boolean isLinux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
  }

  private static void require(boolean ok, String call) {
    if (!ok) {
      throw new IllegalStateException(call + " failed: the daemon will not run where its memory could be dumped");
    }
  }
}
