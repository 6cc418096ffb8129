package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.files.CurrentUser;
import dev.credagent.protocol.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux fast path of the daemon's socket ({@link FastAcceptor}), against a real server and
 * real Unix sockets: a whole helper frame is answered off Netty with the bytes Netty's path sends,
 * after the audit's write; everything else reaches Netty's doors as before, with the bytes already
 * read; no client stalls the acceptor; and close() leaves no thread and no descriptor behind.
 */
@Timeout(30)
class FastAcceptorTest {
  @TempDir Path dir;
  private AgentServer server;
  private Path socket;
  /** Which thread each relayed call ran on, with its action. */
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<Caller> callers = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<CompletableFuture<RelayReply>> replies = new LinkedBlockingQueue<>();
  private volatile Runnable beforeAnswersLeave = () -> {};
  private volatile boolean pending;
  /** The input of each call not answered at once, as the relay got it. */
  private final List<byte[]> inputs = new CopyOnWriteArrayList<>();
  /** Each answer's output array, as the relay made it. */
  private final List<byte[]> outputs = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

  private final RelayHandler relay = (caller, action, input) -> {
    boolean holding = action.equals("hold") && Thread.currentThread().getName().equals("credagent-accept");
    if (holding) {
      held.countDown(); // before the call is listed: a listed hold not counted went to Netty
    }
    calls.add(Thread.currentThread().getName() + " " + action + " " + new String(input, StandardCharsets.UTF_8));
    callers.add(caller);
    if (pending) {
      inputs.add(input);
      CompletableFuture<RelayReply> reply = new CompletableFuture<>();
      replies.add(reply);
      return reply;
    }
    if (holding) {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (action.equals("big")) {
      return CompletableFuture.completedFuture(new RelayReply(0, "x".repeat(4 << 20).getBytes(StandardCharsets.US_ASCII)));
    }
    RelayReply reply = RelayReply.line(0, "{\"Username\":\"u\",\"Secret\":\"s\"}");
    outputs.add(reply.output());
    return CompletableFuture.completedFuture(reply);
  };

  /** The default limits but for how long the acceptor waits for a new connection's first bytes. */
  private static ServerLimits waitingForFirstBytes(Duration wait) {
    ServerLimits d = ServerLimits.DEFAULT;
    return new ServerLimits(d.maxLineBytes(), d.inputBudgetBytes(), d.maxConnections(), d.requestDeadline(),
        d.maxPendingPerConnection(), wait);
  }

  private void start(int allowedUid) throws IOException {
    start(allowedUid, ServerLimits.DEFAULT);
  }

  private void start(int allowedUid, ServerLimits limits) throws IOException {
    socket = Files.createDirectories(dir.resolve("run")).resolve("agent.sock");
    RequestHandler requests = (caller, line) -> CompletableFuture.completedFuture(Response.ok());
    server = AgentServer.bind(socket, allowedUid, limits, new Doors(List.of(Door.jsonLines(requests),
        Door.helperRelay(relay), Door.commands(CommandRelay.HAND_EVERYTHING_BACK)), () -> beforeAnswersLeave.run()));
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aWholeHelperFrameIsAnsweredOnTheAcceptorAfterTheAuditsWrite() throws Exception {
    start(CurrentUser.uid());
    try (SocketChannel holding = holdTheAcceptor(); SocketChannel client = connect()) {
      // The acceptor is held inside the first call while the second client writes its whole frame:
      // the bytes are there when it is accepted (a client that writes later goes to Netty instead).
      client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      // The audit's write must come before the answer: when it runs, the client holds no byte of it yet.
      List<Integer> heldAtSync = new CopyOnWriteArrayList<>();
      java.util.concurrent.CountDownLatch synced = new java.util.concurrent.CountDownLatch(2);
      beforeAnswersLeave = () -> {
        heldAtSync.add(available(client));
        synced.countDown();
      };
      release.countDown();
      assertTrue(synced.await(10, TimeUnit.SECONDS)); // not reading meanwhile: the peek needs the channel
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToEnd(client));
      assertEquals(List.of(0, 0), heldAtSync, "one audit write per answer, before any byte of it left");
    }
    assertEquals("credagent-accept get reg.example", calls.getLast(), "answered off Netty, on the acceptor");
    assertTrue(outputs.stream().allMatch(output -> java.util.Arrays.equals(output, new byte[output.length])),
        "the answers' output, with its secret, is zeroed once sent");
    assertEquals(ProcessHandle.current().pid(), callers.getLast().pid(), "the peer the kernel named");
  }

  @Test
  void aFrameWhoseBodyComesLaterIsHandedToNettyAndAnswered() throws Exception {
    start(CurrentUser.uid());
    try (SocketChannel partial = connect()) {
      partial.write(ByteBuffer.wrap("credential-helper/1 get 11\n".getBytes(StandardCharsets.US_ASCII)));
      // The acceptor takes connections in order: once a later one is answered, this one was read.
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
      partial.write(ByteBuffer.wrap("reg.example".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToEnd(partial));
    }
    assertEquals(2, calls.size());
    assertTrue(calls.get(1).endsWith(" get reg.example") && !calls.get(1).startsWith("credagent-accept"),
        "Netty's decoder read the rest: " + calls);
  }

  @Test
  void aClientThatConnectsAndSendsNothingDelaysNobody() throws Exception {
    start(CurrentUser.uid());
    try (SocketChannel stalled = connect(); SocketChannel stalledToo = connect()) {
      long started = System.nanoTime();
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
      assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "answered while two clients stall");
      assertTrue(stalled.isOpen() && stalledToo.isOpen());
    }
  }

  @Test
  void aFrameWrittenAfterTheConnectionWasTakenIsStillAnsweredOnTheAcceptor() throws Exception {
    start(CurrentUser.uid(), waitingForFirstBytes(Duration.ofSeconds(20)));
    try (SocketChannel client = connect()) {
      // As the helper whose acceptor ran first on its core: the connection is taken before a byte is
      // written. The pause only makes that order likely; the frame is answered on the acceptor either way.
      Thread.sleep(200);
      client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToEnd(client));
    }
    assertEquals(List.of("credagent-accept get reg.example"), calls, "answered on the acceptor, not handed to Netty");
  }

  @Test
  void aClientThatStallsInTheFirstBytesWaitDelaysNobodyAndIsNettys() throws Exception {
    start(CurrentUser.uid(), waitingForFirstBytes(Duration.ofSeconds(20)));
    try (SocketChannel stalled = connect()) {
      long started = System.nanoTime();
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
      assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10),
          "the next connection ends the stalled one's wait: answered long before its 20 s");
      stalled.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToEnd(stalled));
    }
    assertEquals("credagent-accept get x", calls.get(0));
    assertTrue(calls.get(1).endsWith(" get reg.example") && !calls.get(1).startsWith("credagent-accept"),
        "the stalled one was handed to Netty when its wait ran out: " + calls);
  }

  @Test
  void jsonLinesAndCommandFramesStillReachTheirDoors() throws Exception {
    start(CurrentUser.uid());
    assertEquals("{\"v\":1,\"ok\":true}\n", exchangeHalfClosed("{\"v\":1,\"op\":\"ping\"}\n"));
    assertEquals("local\n", exchange("credagent/1 6\nsetup\0"));
    assertEquals(List.of(), calls);
  }

  @Test
  void bytesBeyondTheDeclaredLengthAreRefusedAsBefore() throws Exception {
    start(CurrentUser.uid());
    String message = "docker-credential-agent: the relay frame has 1 bytes beyond its declared length 1; nothing was done\n";
    assertEquals("1 " + message.length() + "\n" + message, exchange("credential-helper/1 get 1\nxy"));
    String header = "docker-credential-agent: not a relay header: unknown header attribute 'path'\n";
    assertEquals("1 " + header.length() + "\n" + header, exchange("credential-helper/1 get 1 path=/etc\nx"));
    assertEquals(List.of(), calls, "nothing was done");
  }

  @Test
  void aReplyNotReadyIsAnsweredWhenItIsAndItsPromptEndsWhenTheClientHangsUp() throws Exception {
    start(CurrentUser.uid());
    try (SocketChannel holding = holdTheAcceptor(); SocketChannel client = connect()) {
      client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      pending = true; // a locked vault: the get waits for a passphrase
      release.countDown(); // the acceptor reads the whole frame and asks
      CompletableFuture<RelayReply> reply = replies.poll(10, TimeUnit.SECONDS);
      assertNotNull(reply);
      // Until it completes, the input is the relay's (a store queued for the vault's thread reads it later).
      assertEquals("reg.example", new String(inputs.getFirst(), StandardCharsets.US_ASCII));
      reply.complete(RelayReply.line(0, "late"));
      assertEquals("0 5\nlate\n", readToEnd(client));
    }
    assertTrue(calls.getLast().startsWith("credagent-accept get"), "asked on the acceptor, answered by Netty: " + calls);
    try (SocketChannel client = connect()) {
      client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      assertNotNull(replies.poll(10, TimeUnit.SECONDS));
      CompletableFuture<Void> gone = callers.getLast().gone().toCompletableFuture();
      assertFalse(gone.isDone(), "the client is still there");
      client.close(); // Ctrl-C at the prompt
      gone.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anAnswerBiggerThanTheSocketTakesAtOnceArrivesWhole() throws Exception {
    start(CurrentUser.uid());
    String answer = exchange("credential-helper/1 big 1\nx");
    assertEquals("0 " + (4 << 20) + "\n", answer.substring(0, answer.indexOf('\n') + 1));
    assertEquals(answer.indexOf('\n') + 1 + (4 << 20), answer.length());
  }

  @Test
  void aFrameBiggerThanTheAcceptorsBufferIsServedByNetty() throws Exception {
    start(CurrentUser.uid());
    String body = "r".repeat(FastAcceptor.BUFFER_BYTES * 2);
    assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get " + body.length() + "\n" + body));
    assertEquals(1, calls.size());
    assertTrue(calls.getFirst().endsWith(" get " + body) && !calls.getFirst().startsWith("credagent-accept"), "Netty's decoder read it");
  }

  @Test
  void aSharesSocketStaysOnNettyAndItsCallersCarryTheShare() throws Exception {
    socket = Files.createDirectory(dir.resolve("run")).resolve("share.sock");
    dev.credagent.caller.ShareScope scope = new dev.credagent.caller.ShareScope("s",
        List.of(dev.credagent.registry.RegistryPattern.parse("ghcr.io")));
    server = AgentServer.bindShare(socket, CurrentUser.uid(), ServerLimits.DEFAULT,
        new Doors(List.of(Door.helperRelay(relay)), () -> {}), scope);
    assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
    assertFalse(calls.getFirst().startsWith("credagent-accept"), "Netty served it: " + calls);
    assertEquals(scope, callers.getFirst().share());
    assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("credagent-accept")));
  }

  @Test
  void connectionsHandedToNettyCountAgainstTheCap() throws Exception {
    ServerLimits d = ServerLimits.DEFAULT;
    start(CurrentUser.uid(), new ServerLimits(d.maxLineBytes(), d.inputBudgetBytes(), 2, d.requestDeadline(),
        d.maxPendingPerConnection(), d.firstBytesWait()));
    try (SocketChannel first = connect(); SocketChannel second = connect(); SocketChannel third = connect()) {
      // Three that send nothing go to Netty; at the cap of two the longest idle, the first, makes room.
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
      assertEquals(-1, first.read(ByteBuffer.allocate(1)), "closed by the server to make room");
      assertTrue(second.isOpen() && third.isOpen());
    }
  }

  @Test
  void atTheCapAFrameIsNotActedOnUnlessItIsAnswered() throws Exception {
    ServerLimits d = ServerLimits.DEFAULT;
    start(CurrentUser.uid(), new ServerLimits(d.maxLineBytes(), d.inputBudgetBytes(), 2, d.requestDeadline(),
        d.maxPendingPerConnection(), d.firstBytesWait()));
    pending = true; // a locked vault: both wait for a passphrase, busy with work, so neither makes room
    try (SocketChannel busy = connect(); SocketChannel busyToo = connect()) {
      for (SocketChannel client : List.of(busy, busyToo)) {
        client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
        assertNotNull(replies.poll(10, TimeUnit.SECONDS));
      }
      ConnectionLimit cap = (ConnectionLimit) field(server, "connections");
      while (openOnLoop(cap) < 2) {
        Thread.onSpinWait(); // both handed over and let in by the cap
      }
      // Until one's whole frame is read by the acceptor at once (a frame written after its one read goes to Netty).
      for (int attempt = 0; attempt < 200; attempt++) {
        String answer = exchange("credential-helper/1 store 5\nstore");
        // Netty's path turns it away before reading a byte; a store done but never answered is lost.
        assertTrue(!answer.isEmpty() || calls.stream().noneMatch(call -> call.contains(" store ")),
            "a store was done and its client closed unanswered (attempt " + attempt + "): " + calls);
      }
    }
  }

  private int openOnLoop(ConnectionLimit cap) throws Exception {
    return ((io.netty.util.concurrent.EventExecutorGroup) field(server, "group")).submit(cap::open).get(); // the loop's own set
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }

  @Test
  void anotherUidsFloodOfConnectionsLeavesABoundedTraceInTheDaemonLog() throws Exception {
    start(CurrentUser.uid() + 1);
    try (CapturedLog log = new CapturedLog(PeerCheck.class)) {
      for (int i = 0; i < 500; i++) { // the daemon log is never rotated: one line each is the disk's end, later
        assertEquals("", exchange("credential-helper/1 get 1\nx"));
      }
      // Each refusal is logged before its connection is closed, so before exchange() saw the end.
      assertTrue(log.warnings() > 0, "the first refusal is said");
      assertTrue(log.warnings() <= 100 + 3, "at most the first 100 and each 10th, 100th...: " + log.warnings());
    }
    assertEquals(List.of(), calls);
  }

  @Test
  void theClientReadsItsAnswerAndThenItsEndNeverAReset() throws Exception {
    // The acceptor peeks at the frame and takes it after the answer: a connection closed with bytes
    // unread resets the client's read (ECONNRESET) instead of ending it. The wait makes every frame
    // the acceptor's.
    start(CurrentUser.uid(), waitingForFirstBytes(Duration.ofSeconds(20)));
    try (SocketChannel client = connect()) {
      client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToItsEnd(client));
    }
    assertEquals("credagent-accept get reg.example", calls.getLast(), "answered on the acceptor");
    beforeAnswersLeave = () -> {
      throw new IllegalStateException("simulated: the audit's write failed");
    };
    try (SocketChannel client = connect()) {
      client.write(ByteBuffer.wrap("credential-helper/1 get 1\nx".getBytes(StandardCharsets.US_ASCII)));
      assertEquals("", readToItsEnd(client), "its line was not written: no answer, and the connection's end");
    }
    beforeAnswersLeave = () -> {};
    try (SocketChannel client = connect()) { // handed to Netty, with what was read, and not read again
      client.write(ByteBuffer.wrap("credential-helper/1 get 1\nxy".getBytes(StandardCharsets.US_ASCII)));
      assertTrue(readToItsEnd(client).contains("has 1 bytes beyond its declared length 1"));
    }
  }

  @Test
  void anErrorWhileServingOneConnectionLeavesTheAcceptorTakingTheNext() throws Exception {
    start(CurrentUser.uid());
    java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
    // The acceptor held while the client writes its whole frame: the acceptor, not Netty, serves it for
    // certain (a client whose write came after the acceptor's one read went to Netty, whose loop took the
    // Error instead, and that connection, never flushed, was never closed: the test waited out its 30 s).
    try (SocketChannel holding = holdTheAcceptor(); SocketChannel client = connect()) {
      client.write(ByteBuffer.wrap("credential-helper/1 get 1\nx".getBytes(StandardCharsets.US_ASCII)));
      beforeAnswersLeave = () -> {
        if (syncs.incrementAndGet() == 2) { // the first is the held call's answer; the second, the client's
          throw new OutOfMemoryError("simulated: the audit's write could not allocate");
        }
      };
      release.countDown();
      assertEquals("", readToEnd(client), "its line was not written: no answer, and the connection closed");
    }
    assertTrue(syncs.get() >= 2);
    // The acceptor is the only taker of the daemon's connections: had it ended, this one would wait for ever.
    assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
    assertTrue(outputs.stream().allMatch(output -> java.util.Arrays.equals(output, new byte[output.length])),
        "the unsent answer's output, with its secret, is zeroed too");
  }

  @Test
  void withNoDescriptorLeftTheAcceptorBacksOffSaysSoOnceAndRecovers() throws Throwable {
    start(CurrentUser.uid());
    FastAcceptor acceptor = (FastAcceptor) field(server, "acceptor");
    CapturedLog log = new CapturedLog(FastAcceptor.class);
    exchange("credential-helper/1 get 1\nx"); // everything the exchange loads is loaded before descriptors run out
    // And a log record's formatting: with no descriptor, its first use cannot read tzdb.dat, which breaks every
    // log line of this JVM for good (the daemon formats one at its start).
    new java.util.logging.SimpleFormatter().format(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "warm"));
    SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX); // its descriptor, before there are none
    ByteBuffer frame = ByteBuffer.wrap("credential-helper/1 get 1\nx".getBytes(StandardCharsets.US_ASCII));
    java.lang.foreign.MemorySegment limits = java.lang.foreign.Arena.ofAuto().allocate(16);
    java.lang.invoke.MethodHandle getrlimit = libcCall("getrlimit", 2);
    java.lang.invoke.MethodHandle setrlimit = libcCall("setrlimit", 2);
    int ignored = (int) getrlimit.invokeExact(7, limits); // RLIMIT_NOFILE
    long soft = limits.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
    long before = acceptor.backedOff();
    // Held in a call, the acceptor is not waiting in accept4, which takes its descriptor when it
    // starts to wait: one that waits from before the limit falls has a place for the next client.
    SocketChannel holding = holdTheAcceptor();
    try {
      limits.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0); // from here no open succeeds: accept4 fails, EMFILE
      ignored = (int) setrlimit.invokeExact(7, limits);
      release.countDown(); // the held call is answered; the acceptor's next accept4 fails
      client.connect(UnixDomainSocketAddress.of(socket)); // queued; no descriptor of ours needed
      client.write(frame);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (acceptor.backedOff() - before < 5 && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // five failed accepts, 100 ms apart: no busy loop, and ...
      }
      assertEquals(5, Math.min(5, acceptor.backedOff() - before), "accept4 failed and the acceptor backed off");
    } finally {
      limits.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, soft);
      ignored = (int) setrlimit.invokeExact(7, limits);
    }
    try (client; holding) {
      // ... once a descriptor is free again the queued client is served.
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToEnd(client));
    } finally {
      log.close();
    }
    // The daemon log is never rotated: one line per failure was ten a second for as long as it lasted.
    assertEquals(1, log.warnings(), "one warning for the whole outage");
  }

  @Test
  void whereTheAcceptorCannotStartItLeavesTheSocketAsNettyNeedsIt() throws Throwable {
    // With no descriptor for its eventfd the acceptor does not start and Netty adopts the socket,
    // which must still be non-blocking: the acceptor had made it blocking first, and an event loop
    // that accepts until EAGAIN (Netty 4.1's edge-triggered epoll did; 4.2's takes one per wake-up)
    // would wait in accept4 with the connection it took unserved.
    serveAndClose(); // everything a start loads is loaded before descriptors run out
    socket = Files.createDirectories(dir.resolve("run")).resolve("agent.sock");
    io.netty.channel.unix.Socket listener = io.netty.channel.unix.Socket.newSocketDomain(); // non-blocking, as listen() makes it
    listener.bind(new io.netty.channel.unix.DomainSocketAddress(socket.toFile()));
    listener.listen(16);
    Doors doors = new Doors(List.of(Door.helperRelay(relay)), () -> {});
    Door.Parts parts = new Door.Parts(ServerLimits.DEFAULT, new InputBudget(1 << 20), new ConnectionLimit(4), new AnswerFlush(() -> {}));
    java.lang.foreign.MemorySegment limits = java.lang.foreign.Arena.ofAuto().allocate(16);
    java.lang.invoke.MethodHandle getrlimit = libcCall("getrlimit", 2);
    java.lang.invoke.MethodHandle setrlimit = libcCall("setrlimit", 2);
    int ignored = (int) getrlimit.invokeExact(7, limits); // RLIMIT_NOFILE
    long soft = limits.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
    FastAcceptor acceptor;
    try {
      limits.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0); // no eventfd can be made
      ignored = (int) setrlimit.invokeExact(7, limits);
      acceptor = FastAcceptor.start(listener.intValue(), true, CurrentUser.uid(), doors, parts, null);
    } finally {
      limits.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, soft);
      ignored = (int) setrlimit.invokeExact(7, limits);
    }
    try {
      assertEquals(null, acceptor, "no eventfd, no acceptor: Netty serves the socket");
      String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + listener.intValue())).stream()
          .filter(line -> line.startsWith("flags:")).findFirst().orElseThrow();
      assertTrue((Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & 04000) != 0,
          "O_NONBLOCK still set, as Netty made the socket: " + flags);
    } finally {
      if (acceptor != null) {
        acceptor.close();
      } else {
        listener.close();
      }
    }
  }

  /** {@code name}(int) or {@code name}(int, pointer), returning int. */
  private static java.lang.invoke.MethodHandle libcCall(String name, int arguments) {
    java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
    java.lang.foreign.FunctionDescriptor descriptor = arguments == 1
        ? java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT)
        : java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
            java.lang.foreign.ValueLayout.ADDRESS);
    return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
  }

  @Test
  void closeEndsTheAcceptorsWaitInAcceptAndRefusesClientsFromThen() throws Exception {
    start(CurrentUser.uid());
    assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 1\nx"));
    Path kept = dir.resolve("kept.sock"); // the socket's file, linked elsewhere: close() removes the other name
    Files.createLink(kept, socket);
    AgentServer closing = server;
    server = null;
    // The acceptor waits in accept4, which only the socket's shutdown ends: close() would wait for ever.
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), closing::close,
        "close() waited for a connection");
    assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("credagent-accept")));
    try (SocketChannel late = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> late.connect(UnixDomainSocketAddress.of(kept)));
      assertTrue(refused.getMessage().contains("refused"), "refused, not queued for a socket that closed: " + refused);
    }
  }

  @Test
  void clientsQueuedWhenCloseBeginsAreAnsweredNotReset() throws Exception {
    // A stop with clients arriving: those the kernel queued before close() shut the socket down were
    // reset unanswered when it closed (each a helper's "lost the connection" and a failed pull); no
    // one can queue after the shutdown, so the few queued are served first.
    start(CurrentUser.uid());
    List<SocketChannel> queued = new java.util.ArrayList<>();
    try (SocketChannel holding = holdTheAcceptor()) {
      for (int i = 0; i < 5; i++) { // connected and written while the acceptor is held: queued, not taken
        SocketChannel client = connect();
        client.write(ByteBuffer.wrap("credential-helper/1 get 11\nreg.example".getBytes(StandardCharsets.US_ASCII)));
        queued.add(client);
      }
      AgentServer closing = server;
      server = null;
      Object acceptor = field(closing, "acceptor");
      CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
      while (!(boolean) field(acceptor, "stopping")) { // close() has begun: the socket is shut down next
        Thread.onSpinWait();
      }
      release.countDown();
      closed.get(10, TimeUnit.SECONDS);
      for (SocketChannel client : queued) {
        assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", readToItsEnd(client), "a queued client's answer");
      }
    } finally {
      for (SocketChannel client : queued) {
        client.close();
      }
    }
    assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("credagent-accept")));
  }

  @Test
  void aSocketSystemdHandedOverIsServedOnTheAcceptorAndStillListensAfterClose() throws Throwable {
    socket = Files.createDirectories(dir.resolve("run")).resolve("agent.sock");
    io.netty.channel.epoll.Epoll.ensureAvailability(); // Netty's native library, which its Socket calls
    io.netty.channel.unix.Socket listener = io.netty.channel.unix.Socket.newSocketDomain();
    listener.bind(new io.netty.channel.unix.DomainSocketAddress(socket.toFile()));
    listener.listen(16);
    int systemds = (int) libcCall("dup", 1).invokeExact(listener.intValue()); // systemd keeps its own descriptor
    try {
      server = AgentServer.adopt(listener.intValue(), socket, CurrentUser.uid(), ServerLimits.DEFAULT,
          new Doors(List.of(Door.helperRelay(relay)), () -> {}));
      assertEquals("0 30\n{\"Username\":\"u\",\"Secret\":\"s\"}\n", exchange("credential-helper/1 get 11\nreg.example"));
      assertEquals("credagent-accept get reg.example", calls.getLast(), "answered off Netty, on the acceptor");
      AgentServer closing = server;
      server = null;
      // It polls systemd's socket beside an eventfd, which close() signals.
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), closing::close,
          "close() waited for a connection");
      assertTrue(Files.exists(socket), "systemd's file stays");
      // systemd listens on it again for the next daemon: a shut-down socket would refuse this client.
      try (SocketChannel next = connect()) {
        assertTrue(next.isConnected(), "queued for the next daemon");
      }
    } finally {
      int ignored = (int) libcCall("close", 1).invokeExact(systemds);
    }
  }

  @Test
  void closeLeavesNoThreadAndNoDescriptor() throws Exception {
    serveAndClose(); // once first: what the JVM opens for good on first use (a jar, the selector) is not the server's
    List<String> descriptors = descriptors();
    for (int cycle = 0; cycle < 10; cycle++) { // a race between a hand-off and close() shows in some cycles only
      serveAndClose();
    }
    assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("credagent-accept")));
    List<String> after = descriptors();
    String unix = Files.readAllLines(Path.of("/proc/net/unix")).stream()
        .filter(line -> after.stream().filter(d -> !descriptors.contains(d))
            .anyMatch(d -> d.contains("socket:[") && line.contains(" " + d.replaceAll(".*socket:\\[(\\d+)\\]", "$1") + " ")))
        .collect(java.util.stream.Collectors.joining("\n"));
    assertEquals(List.of(), opened(descriptors, after), "descriptors open after that were not before; sockets:\n" + unix);
  }

  @Test
  void aSharesCloseLeavesNoDescriptorEither() throws Exception {
    shareServeAndClose(); // once first, as above
    List<String> descriptors = descriptors();
    for (int cycle = 0; cycle < 10; cycle++) {
      shareServeAndClose();
    }
    assertEquals(List.of(), opened(descriptors, descriptors()), "descriptors open after that were not before (a connection open at close leaked its own)");
  }

  /** A share's server (Netty's path) with a client that connected and sent nothing when it closes. */
  private void shareServeAndClose() throws Exception {
    socket = Files.createDirectories(dir.resolve("share")).resolve("share.sock");
    server = AgentServer.bindShare(socket, CurrentUser.uid(), ServerLimits.DEFAULT, new Doors(List.of(Door.helperRelay(relay)),
        () -> {}), new dev.credagent.caller.ShareScope("s", List.of(dev.credagent.registry.RegistryPattern.parse("ghcr.io"))));
    SocketChannel stalled = connect();
    exchange("credential-helper/1 get 1\nx"); // the stalled one is accepted by now
    server.close();
    server = null;
    stalled.close();
    Files.delete(socket.getParent());
  }

  /** Starts a server, serves each kind of connection (one stalled), closes it. */
  private void serveAndClose() throws Exception {
    start(CurrentUser.uid());
    exchange("credential-helper/1 get 1\nx");
    exchangeHalfClosed("{\"v\":1,\"op\":\"ping\"}\n");
    SocketChannel stalled = connect();
    exchange("credential-helper/1 get 1\nx"); // the stalled one is with Netty by now
    server.close();
    server = null;
    stalled.close();
    assertFalse(Files.exists(socket), "the socket file is removed");
    Files.delete(socket.getParent());
  }

  /**
   * A connection whose call holds the acceptor until {@link #release}: a client whose frame the
   * acceptor reads at once (one that writes after the acceptor's one read went to Netty: try again).
   */
  private SocketChannel holdTheAcceptor() throws Exception {
    for (int attempt = 0; attempt < 200; attempt++) {
      SocketChannel holding = connect();
      holding.write(ByteBuffer.wrap("credential-helper/1 hold 1\nx".getBytes(StandardCharsets.US_ASCII)));
      readToEndUnlessHeld(holding);
      if (held.getCount() == 0) {
        return holding;
      }
      holding.close();
    }
    throw new AssertionError("the acceptor never read a frame at once in 200 connections");
  }

  /** Reads the answer of a hold that went to Netty (answered at once); returns once the acceptor holds instead. */
  private void readToEndUnlessHeld(SocketChannel holding) throws Exception {
    while (held.getCount() > 0 && calls.stream().noneMatch(call -> call.contains(" hold "))) {
      Thread.onSpinWait();
    }
    if (held.getCount() > 0) {
      calls.clear();
      readToEnd(holding);
    }
  }

  private SocketChannel connect() throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    return channel;
  }

  /**
   * Sends {@code request} (as the C relay does: no half-close) and reads the answer to its end; a
   * connection closed before the request was written (a refused peer) answers nothing.
   */
  private String exchange(String request) throws IOException {
    try (SocketChannel channel = connect()) {
      try {
        channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      } catch (IOException closedAlready) {
        return "";
      }
      return readToEnd(channel);
    }
  }

  private String exchangeHalfClosed(String request) throws IOException {
    try (SocketChannel channel = connect()) {
      channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      channel.shutdownOutput();
      return readToEnd(channel);
    }
  }

  private static String readToEnd(SocketChannel channel) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(65536);
    try {
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
    } catch (IOException reset) {
      // closed unanswered: what came so far is the answer
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The answer up to the connection's end; a reset (ECONNRESET) fails instead. */
  private static String readToItsEnd(SocketChannel channel) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(65536);
    while (channel.read(buffer) >= 0) {
      out.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Bytes the client could read now, without waiting. */
  private static int available(SocketChannel client) {
    try {
      client.configureBlocking(false);
      ByteBuffer peek = ByteBuffer.allocate(1);
      int got = client.read(peek);
      client.configureBlocking(true);
      return Math.max(got, 0);
    } catch (IOException e) {
      return -1;
    }
  }

  /** What each open descriptor of this process is. */
  /**
   * What is open in {@code after} and was not in {@code before}: what the code under test leaked.
   * Not the two lists compared whole: another test's file, closed by its Cleaner meanwhile, and the
   * listing's own descriptor under another number made them differ with nothing leaked (a
   * fresh-clone CI run failed so). A leaked socket or pipe is a new entry whatever its number.
   */
  private static List<String> opened(List<String> before, List<String> after) {
    return after.stream().filter(d -> !before.contains(d) && !d.matches("\\d+ /proc/\\d+/fd")).toList();
  }

  private static List<String> descriptors() throws IOException {
    try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
      return open.map(fd -> {
        try {
          return fd.getFileName() + " " + Files.readSymbolicLink(fd);
        } catch (IOException gone) {
          return null; // the listing's own descriptor
        }
      }).filter(java.util.Objects::nonNull).sorted().toList();
    }
  }
}
