package dev.credagent.vault;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * libargon2's {@code argon2id_hash_raw}, the reference implementation that Debian ships as
 * libargon2-1 (a dependency of cryptsetup and systemd) and Homebrew as argon2.
 */
final class NativeArgon2id implements Argon2id {
  private static final List<String> LIBRARIES = List.of(
      "libargon2.so.1", "libargon2.1.dylib", "/opt/homebrew/lib/libargon2.1.dylib", "/usr/local/lib/libargon2.1.dylib");
  private static final int ARGON2_OK = 0;

  private final MethodHandle hashRaw;

  private NativeArgon2id(MethodHandle hashRaw) {
    this.hashRaw = hashRaw;
  }

  /** The library's binding, or null when it is not installed or may not be called. */
  static NativeArgon2id load() {
    for (String library : LIBRARIES) {
      try {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        MemorySegment function = lookup.find("argon2id_hash_raw").orElse(null);
        if (function == null) {
          continue;
        }
        // int argon2id_hash_raw(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism,
        //     const void *pwd, size_t pwdlen, const void *salt, size_t saltlen, void *hash, size_t hashlen)
        return new NativeArgon2id(Linker.nativeLinker().downcallHandle(function, FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)));
      } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError notHere) {
        // not installed under this name, or native access not enabled: try the next, then Java
      }
    }
    return null;
  }

  @Override
  public byte[] derive(byte[] passphrase, byte[] salt, KdfParams params, int keyBytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pwd = arena.allocate(Math.max(1, passphrase.length));
      MemorySegment.copy(passphrase, 0, pwd, ValueLayout.JAVA_BYTE, 0, passphrase.length);
      MemorySegment saltSegment = arena.allocateFrom(ValueLayout.JAVA_BYTE, salt);
      MemorySegment hash = arena.allocate(keyBytes);
      try {
        int result = (int) hashRaw.invokeExact(params.iterations(), params.memoryKiB(), params.parallelism(),
            pwd, (long) passphrase.length, saltSegment, (long) salt.length, hash, (long) keyBytes);
        if (result != ARGON2_OK) {
          throw new IllegalStateException("libargon2 failed with code " + result
              + (result == -22 ? " (out of memory)" : ""));
        }
        return hash.toArray(ValueLayout.JAVA_BYTE);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException("calling libargon2 failed: " + e, e);
      } finally {
        pwd.fill((byte) 0);
        hash.fill((byte) 0);
      }
    }
  }

  @Override
  public String name() {
    return "libargon2 (native)";
  }

  @Override
  public boolean usesJavaHeap() {
    return false;
  }
}
