package dev.credagent.transport;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The libc calls of {@link FastAcceptor}, linked through Java's foreign function API: accept4,
 * recv, send, getsockopt(SO_PEERCRED), poll, eventfd, fcntl, write, shutdown and close on Linux. Null
 * ({@link #LINUX}) where they cannot be linked (not Linux, or no native access granted): the
 * server then serves through Netty alone, as before.
 */
final class LinuxSockets {
  static final int EAGAIN = 11;
  static final int EINTR = 4;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int EFD_CLOEXEC = 0x80000;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 0x800;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int MSG_PEEK = 2;
  private static final int SHUT_RDWR = 2;
  static final short POLLIN = 1;

  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;
  private static final MemoryLayout ERRNO_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = ERRNO_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  static final LinuxSockets LINUX = create();

  private final MethodHandle accept4;
  private final MethodHandle acceptWaiting;
  private final MethodHandle recv;
  private final MethodHandle send;
  private final MethodHandle getsockopt;
  private final MethodHandle poll;
  private final MethodHandle eventfd;
  private final MethodHandle fcntl;
  private final MethodHandle write;
  private final MethodHandle shutdown;
  private final MethodHandle close;

  private LinuxSockets(Linker linker, SymbolLookup libc) {
    Linker.Option errno = Linker.Option.captureCallState("errno");
    // Calls that never wait (every socket the acceptor reads or writes is non-blocking, and closing a
    // Unix socket does not linger) skip the thread's switch to native state and back, with its
    // fence and safepoint check: a GC waits for one of them as for a few Java instructions. poll
    // and the accept4 that waits for a connection wait, and stay ordinary calls, as do those made once.
    Linker.Option quick = Linker.Option.critical(false);
    // recv and send may also read into and write from a heap array (the acceptor's buffer): a
    // critical call may be given one, since no GC can move it while the call runs.
    Linker.Option quickOnHeap = Linker.Option.critical(true);
    accept4 = linker.downcallHandle(libc.find("accept4").orElseThrow(),
        FunctionDescriptor.of(INT, INT, ADDRESS, ADDRESS, INT), errno, quick);
    acceptWaiting = linker.downcallHandle(libc.find("accept4").orElseThrow(),
        FunctionDescriptor.of(INT, INT, ADDRESS, ADDRESS, INT), errno);
    recv = linker.downcallHandle(libc.find("recv").orElseThrow(), FunctionDescriptor.of(LONG, INT, ADDRESS, LONG, INT),
        quickOnHeap);
    send = linker.downcallHandle(libc.find("send").orElseThrow(),
        FunctionDescriptor.of(LONG, INT, ADDRESS, LONG, INT), errno, quickOnHeap);
    getsockopt = linker.downcallHandle(libc.find("getsockopt").orElseThrow(),
        FunctionDescriptor.of(INT, INT, INT, INT, ADDRESS, ADDRESS), quick);
    poll = linker.downcallHandle(libc.find("poll").orElseThrow(), FunctionDescriptor.of(INT, ADDRESS, LONG, INT), errno);
    eventfd = linker.downcallHandle(libc.find("eventfd").orElseThrow(), FunctionDescriptor.of(INT, INT, INT));
    fcntl = linker.downcallHandle(libc.find("fcntl").orElseThrow(), FunctionDescriptor.of(INT, INT, INT, INT),
        Linker.Option.firstVariadicArg(2));
    write = linker.downcallHandle(libc.find("write").orElseThrow(), FunctionDescriptor.of(LONG, INT, ADDRESS, LONG));
    shutdown = linker.downcallHandle(libc.find("shutdown").orElseThrow(), FunctionDescriptor.of(INT, INT, INT));
    close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(INT, INT), quick);
  }

  private static LinuxSockets create() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    try {
      return new LinuxSockets(Linker.nativeLinker(), Linker.nativeLinker().defaultLookup());
    } catch (RuntimeException | Error unavailable) { // no native access granted: Netty serves alone
      return null;
    }
  }

  /** Room for the errno a call leaves, for {@link #errno}. */
  static MemorySegment errnoState(Arena arena) {
    return arena.allocate(ERRNO_STATE);
  }

  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** accept4(fd, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK): the connection's descriptor, or -1 and errno in {@code state}. */
  int accept(MemorySegment state, int listening) {
    try {
      return (int) accept4.invokeExact(state, listening, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    } catch (Throwable e) {
      throw new IllegalStateException("accept4 failed in the foreign call itself", e);
    }
  }

  /**
   * The same on a blocking listening socket: waits for a connection (an ordinary call, which a GC
   * does not wait for), until {@link #shutdown} of the socket ends it with EINVAL.
   */
  int acceptWaiting(MemorySegment state, int listening) {
    try {
      return (int) acceptWaiting.invokeExact(state, listening, MemorySegment.NULL, MemorySegment.NULL,
          SOCK_CLOEXEC | SOCK_NONBLOCK);
    } catch (Throwable e) {
      throw new IllegalStateException("accept4 failed in the foreign call itself", e);
    }
  }

  /**
   * One recv with MSG_PEEK of at most {@code into}'s size: the bytes are copied and stay the
   * connection's, for {@link #take}; -1 on EAGAIN or an error, 0 at end of input.
   */
  long peek(int fd, MemorySegment into) {
    return recv(fd, into, into.byteSize(), MSG_PEEK);
  }

  /** One recv of at most {@code length} bytes into {@code into}, taking them off the connection. */
  long take(int fd, MemorySegment into, long length) {
    return recv(fd, into, length, 0);
  }

  private long recv(int fd, MemorySegment into, long length, int flags) {
    try {
      return (long) recv.invokeExact(fd, into, length, flags);
    } catch (Throwable e) {
      return -1;
    }
  }

  /** One send of {@code bytes} (no SIGPIPE): how many left, or -1 and errno in {@code state}. */
  long send(MemorySegment state, int fd, MemorySegment bytes) {
    try {
      return (long) send.invokeExact(state, fd, bytes, bytes.byteSize(), MSG_NOSIGNAL);
    } catch (Throwable e) {
      return -1;
    }
  }

  /**
   * getsockopt(SO_PEERCRED) into {@code ucred} (12 bytes: pid, uid, gid as the kernel recorded
   * them at connect); false where the kernel would not say.
   */
  boolean peerCredentials(int fd, MemorySegment ucred, MemorySegment length) {
    try {
      length.set(INT, 0, 12);
      return (int) getsockopt.invokeExact(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) == 0 && length.get(INT, 0) == 12;
    } catch (Throwable e) {
      return false;
    }
  }

  /** poll on {@code fds} (struct pollfd each); the count ready, or -1 and errno in {@code state}. */
  int poll(MemorySegment state, MemorySegment fds, int count, int timeoutMillis) {
    try {
      return (int) poll.invokeExact(state, fds, (long) count, timeoutMillis);
    } catch (Throwable e) {
      throw new IllegalStateException("poll failed in the foreign call itself", e);
    }
  }

  /** An eventfd (close-on-exec), or -1. */
  int eventfd() {
    try {
      return (int) eventfd.invokeExact(0, EFD_CLOEXEC);
    } catch (Throwable e) {
      return -1;
    }
  }

  /** Makes {@code fd} non-blocking, or blocking: whether it is so now. */
  boolean nonBlocking(int fd, boolean nonBlocking) {
    try {
      int flags = (int) fcntl.invokeExact(fd, F_GETFL, 0);
      return flags >= 0 && (int) fcntl.invokeExact(fd, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0;
    } catch (Throwable e) {
      return false;
    }
  }

  /** shutdown(fd, SHUT_RDWR): for a listening socket, wakes an accept4 waiting on it and refuses new connections. */
  void shutdown(int fd) {
    try {
      int ignored = (int) shutdown.invokeExact(fd, SHUT_RDWR);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot shut down the listening socket", e);
    }
  }

  /** Adds one to the eventfd {@code fd}: a poll on it wakes. */
  void signal(int fd, Arena arena) {
    MemorySegment one = arena.allocate(LONG);
    one.set(LONG, 0, 1L);
    try {
      long ignored = (long) write.invokeExact(fd, one, 8L);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot wake the acceptor", e);
    }
  }

  void close(int fd) {
    try {
      int ignored = (int) close.invokeExact(fd);
    } catch (Throwable e) {
      // Nothing to do: the descriptor is gone or never was.
    }
  }
}
