package dev.credagent.transport;

import dev.credagent.caller.Caller;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Linux fast path of the daemon's own socket (issue 32): one platform thread owns the listening
 * descriptor and, for each connection, does what {@code bench/src/relay-floor.c} does in C:
 * accept4, the peer check (SO_PEERCRED), one non-blocking recv, and, when those bytes are one
 * whole helper relay frame whose answer is ready at once (a get, mostly), the audit's write and
 * the answer, then close. Netty's channel setup per connection (getsockname, getpeername,
 * epoll_ctl, the pipeline, two wake-ups of its loop) cost the helper's round trip more than all
 * the daemon's own work.
 *
 * <p>Everything else goes to Netty through {@link HandOff}, with what was already done: bytes of
 * another door, a frame not whole in the first read (or with bytes after it, or a header Netty's
 * decoder refuses and answers), a reply not ready (a locked vault's prompt, a token fetch), an
 * answer the socket would not take whole. The acceptor waits for a client only for its first
 * bytes, at most {@link ServerLimits#firstBytesWait()} and only while no other connection waits to
 * be taken, then reads once: a client that connects and stalls costs that wait and one recv, and
 * is Netty's.
 *
 * <p>The first bytes are peeked, not taken, and taken once the answer has left. Taking them frees
 * their buffer in the kernel, which wakes whoever waits on the client's socket, its own read for
 * the answer included (unix_write_space): a wake-up for nothing on every call, 3% of the round
 * trip. After the answer the client is awake anyway. Bytes left unread at close would reset the
 * client's read (ECONNRESET for its end of input), so every path takes them before it closes or
 * hands the connection on.
 *
 * <p>Between connections the acceptor waits in accept4 itself on a socket of its own, which
 * {@link #close} shuts down to end the wait: a poll of the listening socket before each accept4
 * cost a system call and a second wake-up per connection, 8% of the helper's round trip. A socket
 * systemd handed over is shared with systemd, which listens on it again after us, so it is never
 * shut down: there the acceptor polls it beside an eventfd that close() signals, then accepts.
 */
final class FastAcceptor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FastAcceptor.class.getName());
  /** The one read's room: a helper's frame with its cwd and display attributes fits many times over; a bigger one goes to Netty. */
  static final int BUFFER_BYTES = 8192;
  private static final int ECONNABORTED = 103;
  /** How long the acceptor stops taking connections after accept4 fails otherwise (no descriptor left): not a busy loop. */
  private static final Duration BACK_OFF = Duration.ofMillis(100);
  private static final long POLLFD_BYTES = 8; // struct pollfd: int fd, short events, short revents

  private final LinuxSockets sockets;
  private final int listening;
  private final int wake;
  /** Whether the acceptor waits in accept4 (a socket of its own, blocking) or in poll (systemd's, non-blocking). */
  private final boolean waitsInAccept;
  private final int allowedUid;
  private final List<Door> doors;
  private final Door relayDoor;
  private final Door.Parts parts;
  private final Runnable beforeAnswersLeave;
  private final HandOff handOff;
  /** {@link ServerLimits#firstBytesWait()} as poll takes it: whole milliseconds, at least one. */
  private final int firstBytesWaitMillis;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile long served;
  /** accept4 or poll calls that failed and made the acceptor back off, over its life: one writer, this thread. */
  private volatile long backedOff;
  /** {@link #backedOff} when the present run of failures began, or -1 while accepting works: this thread's. */
  private long failingSince = -1;

  private FastAcceptor(LinuxSockets sockets, int listening, int wake, boolean waitsInAccept, int allowedUid, Doors doors,
      Door relayDoor, Door.Parts parts, HandOff handOff) {
    this.sockets = sockets;
    this.listening = listening;
    this.wake = wake;
    this.waitsInAccept = waitsInAccept;
    this.allowedUid = allowedUid;
    this.doors = doors.doors();
    this.relayDoor = relayDoor;
    this.parts = parts;
    this.beforeAnswersLeave = doors.beforeAnswersLeave();
    this.handOff = handOff;
    this.firstBytesWaitMillis = (int) Math.clamp(parts.limits().firstBytesWait().toMillis(), 1, Integer.MAX_VALUE);
    this.thread = Thread.ofPlatform().name("credagent-accept").daemon().unstarted(this::run);
  }

  /**
   * Starts accepting on {@code listening}, made blocking here where it is {@code ours} (bound by
   * this process; shut down by close()) and non-blocking where systemd handed it over; null where
   * the fast path cannot serve these doors here (libc not linked, no helper relay door, no eventfd),
   * and the caller serves through Netty alone. Closing it closes {@code listening}.
   */
  static FastAcceptor start(int listening, boolean ours, int allowedUid, Doors doors, Door.Parts parts, HandOff handOff) {
    LinuxSockets sockets = LinuxSockets.LINUX;
    Door relayDoor = doors.doors().stream().filter(door -> door.relay() != null).findFirst().orElse(null);
    if (sockets == null || relayDoor == null) {
      return null;
    }
    int wake = sockets.eventfd();
    if (wake < 0) { // before the socket's mode changes: Netty, which serves it then, needs it non-blocking
      return null;
    }
    if (!sockets.nonBlocking(listening, !ours)) {
      sockets.close(wake);
      return null;
    }
    FastAcceptor acceptor = new FastAcceptor(sockets, listening, wake, ours, allowedUid, doors, relayDoor, parts, handOff);
    acceptor.thread.start();
    return acceptor;
  }

  /** How many times the acceptor backed off after a failed accept4 or poll (no descriptor left). */
  long backedOff() {
    return backedOff;
  }

  /** Connections accepted so far: activity, for the daemon's idle collection. */
  long served() {
    return served;
  }

  /**
   * Stops accepting (the thread wakes from its accept4, or its poll, and ends), then closes the
   * listening socket. A socket of our own is shut down first, which refuses clients from then on
   * instead of queueing them for a socket about to close; those queued before are still taken and
   * served (nobody can join them now), and the accept4 after the last ends with EINVAL. Closing
   * the socket with them queued reset each unanswered: a helper's "lost the connection", a failed
   * pull, on every stop that met a burst. systemd's socket keeps its queue for the next daemon.
   */
  @Override
  public void close() {
    stopping = true;
    if (waitsInAccept) {
      sockets.shutdown(listening);
    }
    try (Arena arena = Arena.ofConfined()) {
      sockets.signal(wake, arena); // a poll: systemd's socket, or the back-off after a failed accept4
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join(Duration.ofSeconds(5)); // it is between connections within one connection's work
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (thread.isAlive()) {
        LOG.warning("the acceptor thread has not stopped after 5 s; waiting on");
      }
    }
    sockets.close(listening);
    sockets.close(wake);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      Native memory = new Native(arena);
      memory.pollfds.set(ValueLayout.JAVA_INT, 0, listening);
      memory.pollfds.set(ValueLayout.JAVA_SHORT, 4, LinuxSockets.POLLIN);
      memory.pollfds.set(ValueLayout.JAVA_INT, POLLFD_BYTES, wake);
      memory.pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_BYTES + 4, LinuxSockets.POLLIN);
      memory.client.set(ValueLayout.JAVA_SHORT, 4, LinuxSockets.POLLIN);
      memory.client.set(ValueLayout.JAVA_INT, POLLFD_BYTES, listening);
      memory.client.set(ValueLayout.JAVA_SHORT, POLLFD_BYTES + 4, LinuxSockets.POLLIN);
      boolean more = true;
      while (more) {
        try {
          more = next(memory);
        } catch (RuntimeException | Error e) {
          // One connection's failure (an OutOfMemoryError, a class that cannot load with no descriptor
          // left) must not end this thread: nothing else takes the daemon's connections, and the daemon
          // lived on unreachable. Its descriptor is closed already (serve's finally).
          failed(memory, "a connection failed in the acceptor", e);
          more = !stopping; // closing: what is still queued is reset, as before the queue was served
        }
      }
    } catch (RuntimeException | Error e) {
      say(Level.SEVERE, "the socket's acceptor stopped; the daemon no longer takes connections", e);
    }
  }

  /**
   * Waits for the next connection and serves it; false once close() began and no connection is left
   * to take. A method of its own, not the loop's body: the JIT
   * compiles a method after a few thousand calls, but a loop that runs once per connection only
   * after tens of thousands (on-stack replacement), and until then the loop ran interpreted.
   */
  private boolean next(Native memory) {
    int fd = waitsInAccept ? sockets.acceptWaiting(memory.errno, listening) : pollThenAccept(memory);
    if (fd < 0) {
      if (stopping) { // shut down with nothing left queued (EINVAL), or systemd's socket: its queue is the next daemon's
        return false;
      }
      backOff(memory, LinuxSockets.errno(memory.errno)); // EINTR: at once; anything else: not a busy loop
      return true;
    }
    served++; // one writer: this thread
    if (failingSince >= 0) {
      say(Level.INFO, "accepting connections again after " + (backedOff - failingSince) + " failed attempts", null);
      failingSince = -1;
    }
    serve(fd, memory); // closing too: one queued before the shutdown, or taken from systemd's as close() began
    return true;
  }

  /**
   * On systemd's socket: waits in poll for a connection or close()'s eventfd, then takes the
   * connection without waiting (gone already: EAGAIN, nothing); -1 with errno in {@code memory}
   * when there is none.
   */
  private int pollThenAccept(Native memory) {
    memory.pollfds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
    memory.pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_BYTES + 6, (short) 0);
    if (sockets.poll(memory.errno, memory.pollfds, 2, -1) < 0 || stopping) {
      return -1;
    }
    return sockets.accept(memory.errno, listening);
  }

  /** After a failed accept4: a connection gone before it was taken is nothing; running out of descriptors waits a little. */
  private void backOff(Native memory, int errno) {
    if (errno == LinuxSockets.EAGAIN || errno == LinuxSockets.EINTR || errno == ECONNABORTED) {
      return;
    }
    backedOff++;
    failed(memory, "cannot wait for or accept a connection (errno " + errno + ")", null);
  }

  /**
   * Backs off {@link #BACK_OFF} (woken by close()), saying so for the first failure of a run only:
   * the daemon log is never rotated, and a run of them (no descriptor left) was ten lines a second
   * for as long as it lasted. The next accepted connection says the run ended.
   */
  private void failed(Native memory, String what, Throwable cause) {
    if (failingSince < 0) {
      failingSince = backedOff;
      say(cause != null ? Level.SEVERE : Level.WARNING, what + "; trying again every " + BACK_OFF.toMillis()
          + " ms, said once until a connection is accepted again", cause);
    }
    backedOff++;
    sockets.poll(memory.errno, memory.pollfds.asSlice(POLLFD_BYTES, POLLFD_BYTES), 1, (int) BACK_OFF.toMillis());
  }

  /** Logs, unless logging itself fails (a class or file it needs cannot be opened with no descriptor left): the loop goes on. */
  private static void say(Level level, String message, Throwable cause) {
    try {
      LOG.log(level, message, cause);
    } catch (RuntimeException | Error unsaid) {
      // Nothing else to tell it with.
    }
  }

  /** One connection, from its peer check to its answer or to Netty. It owns {@code fd} until handed on or closed. */
  private void serve(int fd, Native memory) {
    boolean handedOn = false;
    try {
      if (!sockets.peerCredentials(fd, memory.ucred, memory.ucredLength)) {
        PeerCheck.unidentified("SO_PEERCRED failed");
        return;
      }
      int pid = memory.ucred.get(ValueLayout.JAVA_INT, 0);
      int uid = memory.ucred.get(ValueLayout.JAVA_INT, 4);
      if (uid != allowedUid) {
        PeerCheck.refused(uid, allowedUid);
        return;
      }
      Caller caller = new Caller(uid, pid > 0 ? pid : Caller.UNKNOWN_PID, null);
      long got = sockets.peek(fd, memory.buffer);
      if (got < 0 && firstBytesCame(fd, memory)) {
        got = sockets.peek(fd, memory.buffer); // the frame, or the end of a client gone: both settle it here
      }
      if (got == 0) {
        return; // gone before sending a byte: nothing to answer (the sniffer closes such a one too)
      }
      memory.peeked = Math.max(got, 0);
      byte[] read = got < 0 ? new byte[0] : memory.take(got); // < 0: nothing yet (EAGAIN); Netty waits for it
      // A full buffer may have more behind it (a bigger frame, or bytes after this one): Netty's to judge.
      // At the cap, Netty's too: it makes room or turns the connection away before its request is acted on.
      RelayFrameDecoder.Frame frame = got == BUFFER_BYTES || parts.connections().atCap() ? null : wholeRelayFrame(read);
      if (frame == null) {
        consume(fd, memory);
        handOff.unread(fd, caller, read);
        handedOn = true;
        return;
      }
      Arrays.fill(read, (byte) 0);
      CompletableFuture<Void> gone = new CompletableFuture<>(); // completed by the handler, where Netty gets the connection
      // The input is the relay's now, as from the decoder.
      CompletableFuture<RelayReply> reply = RelayChannelHandler.ask(relayDoor.relay(), caller, frame, gone);
      if (!reply.isDone()) { // as the door's own handler, made only now
        consume(fd, memory);
        handOff.awaiting(fd, caller, new RelayChannelHandler(relayDoor.relay(), parts.flush(), gone).awaiting(reply));
        handedOn = true;
        return;
      }
      handedOn = answer(fd, caller, RelayChannelHandler.outcome(reply), memory);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "a connection failed in the acceptor; it is closed", e);
    } finally {
      if (!handedOn) {
        consume(fd, memory); // after the answer, or after it failed
        sockets.close(fd);
      }
    }
  }

  /** Takes the bytes peeked from {@code fd} off it (see the class's comment), zeroing their copy: they may hold a secret. */
  private void consume(int fd, Native memory) {
    if (memory.peeked > 0) {
      sockets.take(fd, memory.buffer, memory.peeked);
      Arrays.fill(memory.bytes, 0, (int) memory.peeked, (byte) 0);
      memory.peeked = 0;
    }
  }

  /**
   * Whether {@code fd} became readable (bytes, or its end) within the first bytes' wait, which
   * ends early when another connection is waiting to be taken: a client that stalls delays only an
   * acceptor with nothing else to do. The acceptor woken on the helper's own core often ran before
   * the helper's write, which came microseconds later; without this wait half of the real
   * helper's calls went to Netty.
   */
  private boolean firstBytesCame(int fd, Native memory) {
    memory.client.set(ValueLayout.JAVA_INT, 0, fd);
    memory.client.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
    memory.client.set(ValueLayout.JAVA_SHORT, POLLFD_BYTES + 6, (short) 0);
    return sockets.poll(memory.errno, memory.client, 2, firstBytesWaitMillis) > 0
        && memory.client.get(ValueLayout.JAVA_SHORT, 6) != 0;
  }

  /**
   * {@code read} as one whole relay frame, exactly: the bytes choose the helper relay's door, the
   * header parses ({@link RelayHeader}, the decoder's rules) and the payload is its declared length
   * with nothing after it. Null for anything else, which Netty's decoders serve as they always did,
   * errors included.
   */
  private RelayFrameDecoder.Frame wholeRelayFrame(byte[] read) {
    if (read.length == 0 || Door.chosen(doors, read) != relayDoor) {
      return null;
    }
    int newline = -1;
    for (int i = 0; i < Math.min(read.length, HeaderAttributes.MAX_HEADER_BYTES); i++) {
      if (read[i] == '\n') {
        newline = i;
        break;
      }
    }
    if (newline < 0) {
      return null;
    }
    RelayHeader header;
    try {
      header = RelayHeader.parse(new String(read, 0, newline, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException refused) {
      return null; // the decoder refuses it too, and answers the error in the relay's framing
    }
    if (read.length - newline - 1 != header.length()) {
      return null;
    }
    return new RelayFrameDecoder.Frame(header.action(), Arrays.copyOfRange(read, newline + 1, read.length),
        header.attributes());
  }

  /**
   * Writes the audit's lines, then sends {@code reply} as {@link RelayChannelHandler} does and
   * zeroes it (the output and the native bytes that held it); true when the socket did not take it
   * whole and Netty sends the rest.
   */
  private boolean answer(int fd, Caller caller, RelayReply reply, Native memory) {
    try {
      beforeAnswersLeave.run(); // the audit line is in the file before the answer can reach the client
    } catch (RuntimeException | Error e) { // never sent, as its line was not written: its secret goes now
      Arrays.fill(reply.output(), (byte) 0);
      throw e;
    }
    byte[] header = RelayChannelHandler.header(reply);
    byte[] output = reply.output();
    int length = header.length + output.length;
    try (Arena big = length > BUFFER_BYTES ? Arena.ofConfined() : null) {
      // The heap buffer for the usual answer (arraycopy: no native copy or length call per array under C1).
      MemorySegment out = big == null ? memory.buffer.asSlice(0, length) : big.allocate(length);
      try { // from the first byte copied: whatever fails after it, no copy of the secret stays behind
        if (big == null) {
          System.arraycopy(header, 0, memory.bytes, 0, header.length);
          System.arraycopy(output, 0, memory.bytes, header.length, output.length);
        } else {
          MemorySegment.copy(header, 0, out, ValueLayout.JAVA_BYTE, 0, header.length);
          MemorySegment.copy(output, 0, out, ValueLayout.JAVA_BYTE, header.length, output.length);
        }
        Arrays.fill(output, (byte) 0);
        long sent = sockets.send(memory.errno, fd, out);
        if (sent < 0 && LinuxSockets.errno(memory.errno) == LinuxSockets.EAGAIN) {
          sent = 0;
        }
        boolean whole = sent < 0 || sent == length; // < 0: the client is gone (EPIPE), nothing more to send
        if (!whole) {
          byte[] rest = out.asSlice(sent).toArray(ValueLayout.JAVA_BYTE);
          consume(fd, memory); // into the buffer the answer's start was sent from
          handOff.rest(fd, caller, rest);
        }
        return !whole;
      } finally {
        Arrays.fill(output, (byte) 0);
        if (big == null) {
          Arrays.fill(memory.bytes, 0, length, (byte) 0);
        } else {
          out.fill((byte) 0);
        }
      }
    }
  }

  /** The acceptor's native memory, for its life: made and freed on its thread. */
  private static final class Native {
    final MemorySegment errno;
    final MemorySegment pollfds;
    /** Two pollfds for a new connection's first bytes: the connection, then the listening socket. */
    final MemorySegment client;
    /**
     * What recv reads into and send writes from: a heap array, which the acceptor copies and zeroes
     * with arraycopy and fill (both compiled inline), as the segment {@link #buffer} for the calls,
     * which allow heap access ({@link LinuxSockets}). Copying to and from native memory took a
     * native call per copy and per array's length under C1: 6% of the acceptor's user time.
     */
    final byte[] bytes;
    final MemorySegment buffer;
    final MemorySegment ucred;
    final MemorySegment ucredLength;
    /** How many bytes the present connection has that were peeked and not yet taken. */
    long peeked;

    Native(Arena arena) {
      errno = LinuxSockets.errnoState(arena);
      pollfds = arena.allocate(2 * POLLFD_BYTES);
      client = arena.allocate(2 * POLLFD_BYTES);
      bytes = new byte[BUFFER_BYTES];
      buffer = MemorySegment.ofArray(bytes);
      ucred = arena.allocate(12);
      ucredLength = arena.allocate(4);
    }

    /** The first {@code got} bytes of the buffer, copied out; zeroed where they were (they may be a secret). */
    byte[] take(long got) {
      byte[] read = Arrays.copyOf(bytes, (int) got);
      Arrays.fill(bytes, 0, (int) got, (byte) 0);
      return read;
    }
  }
}
