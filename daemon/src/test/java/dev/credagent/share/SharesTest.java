package dev.credagent.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.InsecureDirectoryException;
import dev.credagent.protocol.Response;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.Door;
import dev.credagent.transport.Doors;
import dev.credagent.transport.RelayReply;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's shares on real sockets: where each is made and how it is guarded, what it refuses
 * to be opened over, its bound, and its end (stopped, or its TTL run out on the injected clock). A
 * request through a share reaches the handler with the share's scope on its caller.
 */
class SharesTest {
  @TempDir Path home;
  private final MovableClock clock = new MovableClock();
  private final LinkedBlockingQueue<Caller> callers = new LinkedBlockingQueue<>();
  private Shares shares;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-12-06T05:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    Path sockets = home.resolve("run");
    Files.createDirectory(sockets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    shares = new Shares(sockets, CurrentUser.uid(), clock);
    shares.serveWith(new Doors(List.of(Door.jsonLines((caller, line) -> {
      callers.add(caller);
      return CompletableFuture.completedFuture(Response.ok());
    }), Door.helperRelay((caller, action, input) -> CompletableFuture.completedFuture(RelayReply.line(0, "relayed"))),
        Door.commands(CommandRelay.HAND_EVERYTHING_BACK)), () -> {}));
  }

  @AfterEach
  void tearDown() {
    shares.close();
  }

  /** One request line through {@code socket}, as a script would send it; the answer's line. */
  private static String ask(Path socket) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      channel.write(ByteBuffer.wrap("{\"v\":1,\"op\":\"ping\"}\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer answer = ByteBuffer.allocate(4096);
      while (channel.read(answer) >= 0 && (answer.position() == 0 || answer.get(answer.position() - 1) != '\n')) {
        // until the line is whole
      }
      return new String(answer.array(), 0, answer.position(), StandardCharsets.UTF_8).strip();
    }
  }

  private static boolean answers(Path socket) {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void aShareIsAPrivateSocketWhoseRequestsCarryItsScope() throws Exception {
    Shares.Share share = shares.open(null, List.of("ghcr.io/my-org"), Duration.ofMinutes(30));
    assertTrue(share.socket().startsWith(home.resolve("run")), share.socket().toString());
    assertTrue(share.socket().getFileName().toString().matches("share-[0-9a-f]{8}\\.sock"), share.socket().toString());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.socket())));
    assertEquals(clock.instant().plus(Duration.ofMinutes(30)), share.expires());

    assertEquals("{\"v\":1,\"ok\":true}", ask(share.socket()));
    Caller caller = callers.poll(5, TimeUnit.SECONDS);
    assertEquals(share.scope(), caller.share(), "the service is told which share a request came through");
    assertEquals(List.of(share), shares.list());
  }

  @Test
  void aShareIsNotOpenedOverAnythingThere() throws Exception {
    Path taken = home.resolve("taken.sock");
    Files.writeString(taken, "someone's file");
    assertThrows(IllegalArgumentException.class, () -> shares.open(taken, List.of(), Duration.ofHours(1)));
    assertEquals("someone's file", Files.readString(taken), "left as it was");

    Path link = home.resolve("link.sock");
    Files.createSymbolicLink(link, home.resolve("nowhere"));
    assertThrows(IllegalArgumentException.class, () -> shares.open(link, List.of(), Duration.ofHours(1)));
    assertTrue(Files.isSymbolicLink(link));

    Path open = home.resolve("open");
    Files.createDirectory(open, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
    assertThrows(InsecureDirectoryException.class, () -> shares.open(open.resolve("s.sock"), List.of(), Duration.ofHours(1)),
        "a directory others can reach");
    assertFalse(Files.exists(open.resolve("s.sock")));

    Path mine = home.resolve("mine.sock");
    shares.open(mine, List.of(), Duration.ofHours(1));
    assertThrows(IllegalArgumentException.class, () -> shares.open(home.resolve("x/../mine.sock"), List.of(), Duration.ofHours(1)),
        "the same path written another way");
    assertEquals(1, shares.list().size());
  }

  @Test
  void aShareNeedsALifetimeAndValidPatternsBeforeAnythingIsBound() {
    Path socket = home.resolve("s.sock");
    assertThrows(IllegalArgumentException.class, () -> shares.open(socket, List.of(), Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> shares.open(socket, List.of(), Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> shares.open(socket, List.of("https://*.example.com"), Duration.ofHours(1)));
    assertFalse(Files.exists(socket));
    assertEquals(List.of(), shares.list());
  }

  @Test
  void atMostSixteenAreOpen() throws Exception {
    List<Shares.Share> opened = new ArrayList<>();
    for (int i = 0; i < Shares.MAX; i++) {
      opened.add(shares.open(home.resolve("s" + i + ".sock"), List.of(), Duration.ofHours(1)));
    }
    IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
        () -> shares.open(home.resolve("one-more.sock"), List.of(), Duration.ofHours(1)));
    assertTrue(full.getMessage().contains("stop one"), full.getMessage());
    assertFalse(Files.exists(home.resolve("one-more.sock")));
    assertTrue(shares.stop(opened.get(0).socket()));
    shares.open(home.resolve("one-more.sock"), List.of(), Duration.ofHours(1)); // a place was made
  }

  @Test
  void sharesMadeTheSameWayAreToldApart() throws Exception {
    for (String dir : List.of("a", "b", "c")) {
      Files.createDirectory(home.resolve(dir), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    assertEquals("agent", shares.open(home.resolve("a/agent.sock"), List.of(), Duration.ofHours(1)).scope().name());
    assertEquals("agent-2", shares.open(home.resolve("b/agent.sock"), List.of(), Duration.ofHours(1)).scope().name());
    assertEquals("agent-3", shares.open(home.resolve("c/agent.sock"), List.of(), Duration.ofHours(1)).scope().name());
  }

  @Test
  void aShareEndsWhenStoppedOrWhenItsTimeRunsOut() throws Exception {
    Shares.Share stopped = shares.open(home.resolve("stopped.sock"), List.of(), Duration.ofHours(1));
    Shares.Share expiring = shares.open(home.resolve("expiring.sock"), List.of(), Duration.ofMinutes(10));
    assertTrue(shares.stop(home.resolve("x/../stopped.sock")), "stopped by its path written any way");
    assertFalse(shares.stop(home.resolve("stopped.sock")), "once");
    assertFalse(answers(stopped.socket()));
    assertTrue(ShareMarker.marks(stopped.socket()), "its path is remembered as a share that ended");

    clock.advance(Duration.ofMinutes(10).minusNanos(1));
    shares.expire();
    assertTrue(answers(expiring.socket()), "alive until its last nanosecond");
    clock.advance(Duration.ofNanos(1));
    shares.expire();
    assertFalse(answers(expiring.socket()));
    assertEquals(List.of(), shares.list());
    assertNull(callers.poll());
  }
}
