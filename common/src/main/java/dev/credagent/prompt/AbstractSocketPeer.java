package dev.credagent.prompt;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * Who listens on a Linux abstract unix socket: the uid SO_PEERCRED gives for a connection to it.
 * libxcb (and so every pinentry) connects to the abstract {@code @/tmp/.X11-unix/XN} before the
 * file {@code /tmp/.X11-unix/XN}, and an abstract name has no owner or mode: any uid may bind it
 * when the user's server does not (started with {@code -nolisten local}, or dead). The JDK cannot
 * address the abstract namespace (UnixDomainSocketAddress is a path), hence the FFM calls.
 *
 * <p>The socket is non-blocking: a listener whose backlog is full answers EAGAIN at once instead
 * of holding the prompt, and the connection is closed unread (a real X server sees a client that
 * said nothing and went away).
 */
public final class AbstractSocketPeer {
  /** Who listens on an abstract name: empty when nobody does; fails when that cannot be told. */
  @FunctionalInterface
  public interface Lookup {
    OptionalInt uidOf(String name) throws IOException;
  }

  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_NONBLOCK = 04000;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int ENOENT = 2;
  private static final int ECONNREFUSED = 111;
  /** sun_path's size: a name longer than it minus the leading NUL cannot be bound by anyone. */
  private static final int SUN_PATH = 108;

  /** The Linux lookup; elsewhere (macOS has no abstract namespace) nobody ever listens. */
  public static final Lookup SYSTEM = System.getProperty("os.name", "").startsWith("Linux")
      ? AbstractSocketPeer::uidOf : name -> OptionalInt.empty();

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle SOCKET = handle("socket",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle CONNECT = handle("connect",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
      Linker.Option.captureCallState("errno"));
  private static final MethodHandle GETSOCKOPT = handle("getsockopt",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.ADDRESS, ValueLayout.ADDRESS));
  private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private AbstractSocketPeer() {}

  /** The uid listening on the abstract name {@code name} (without its leading NUL); empty when nobody does. */
  static OptionalInt uidOf(String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length + 1 > SUN_PATH) {
      return OptionalInt.empty();
    }
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new IOException("cannot make a socket to ask who listens on @" + name);
      }
      try {
        MemorySegment address = arena.allocate(2 + SUN_PATH); // zeroed: sun_path[0] is the NUL of an abstract name
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 3, bytes.length);
        MemorySegment captured = arena.allocate(CAPTURE);
        int connected = (int) CONNECT.invokeExact(captured, fd, address, 2 + 1 + bytes.length);
        if (connected != 0) {
          int errno = (int) ERRNO.get(captured, 0L);
          if (errno == ECONNREFUSED || errno == ENOENT) {
            return OptionalInt.empty();
          }
          throw new IOException("cannot tell who listens on @" + name + " (connect: errno " + errno + ")");
        }
        MemorySegment ucred = arena.allocate(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, 12);
        if ((int) GETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) != 0
            || length.get(ValueLayout.JAVA_INT, 0) != 12) {
          throw new IOException("cannot tell who listens on @" + name + " (SO_PEERCRED failed)");
        }
        return OptionalInt.of(ucred.get(ValueLayout.JAVA_INT, 4));
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd);
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("cannot tell who listens on @" + name + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
  }
}
