package dev.credagent.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 30, item 1: a window only on the requesting uid's own display; every boundary refused. */
class DisplaySessionTest {
  private static final int NOBODY = 65534;

  @TempDir
  Path dir;

  private int me() throws Exception {
    return (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  private ServerSocketChannel socket(Path path) throws Exception {
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    channel.bind(UnixDomainSocketAddress.of(path));
    return channel;
  }

  private Path cookie(String name, String mode) throws Exception {
    Path cookie = Files.createFile(dir.resolve(name));
    return Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString(mode)); // past the umask
  }

  private static DisplaySession x(String display, Path cookie) {
    return new DisplaySession(display, null, cookie == null ? null : cookie.toString(), "x11", null);
  }

  @Test
  void anXDisplayOfTheUsersOwnWithTheirCookieIsAskedOn() throws Exception {
    Path sockets = Files.createDirectory(dir.resolve("x11"));
    Path home = Files.createDirectory(dir.resolve("home"));
    try (ServerSocketChannel server = socket(sockets.resolve("X5"))) {
      Path cookie = cookie("cookie", "rw-------");
      assertNull(x(":5", cookie).whyNot(me(), null, home, sockets));
      assertNull(x(":5.0", cookie).whyNot(me(), null, home, sockets));
      assertNull(x("unix:5", cookie).whyNot(me(), null, home, sockets));
      assertNull(x(":5", null).whyNot(me(), null, home, sockets), "no cookie file at all: the server is the user's own");
      Path readable = cookie("readable", "rw-r--r--");
      assertNull(x(":5", readable).whyNot(me(), null, home, sockets), "readable by others is X's business, writable is not");

      assertNotNull(x(":6", cookie).whyNot(me(), null, home, sockets), "no such display");
      assertTrue(x("localhost:10.0", cookie).whyNot(me(), null, home, sockets).contains("not a local display"));
      assertTrue(x(":5/../X1", cookie).whyNot(me(), null, home, sockets).contains("not a local display"));
      assertTrue(x(":5", cookie("writable", "rw-rw-rw-")).whyNot(me(), null, home, sockets).contains("writable by group or others"));
      assertTrue(x(":5", dir.resolve("missing")).whyNot(me(), null, home, sockets).contains("does not exist"));
      Path link = Files.createSymbolicLink(dir.resolve("link"), cookie);
      assertTrue(x(":5", link).whyNot(me(), null, home, sockets).contains("not a regular file"));
      assertNotNull(x(":5", Path.of("relative")).whyNot(me(), null, home, sockets));
      assertTrue(x(":5", cookie).whyNot(me() + 1, null, home, sockets).contains("not to the requesting uid"),
          "the same files asked for by another uid");
    }
  }

  @Test
  void aCookieOrADisplayOfAnotherUidIsRefused() throws Exception {
    assumeTrue(me() == 0, "handing a file to another uid needs root");
    Path sockets = Files.createDirectory(dir.resolve("x11"));
    try (ServerSocketChannel own = socket(sockets.resolve("X5")); ServerSocketChannel theirs = socket(sockets.resolve("X7"))) {
      Files.setAttribute(sockets.resolve("X7"), "unix:uid", NOBODY);
      Path cookie = cookie("cookie", "rw-------");
      assertTrue(x(":7", cookie).whyNot(0, null, dir, sockets).contains("belongs to uid " + NOBODY));
      Files.setAttribute(cookie, "unix:uid", NOBODY);
      assertTrue(x(":5", cookie).whyNot(0, null, dir, sockets).contains("belongs to uid " + NOBODY));
      Files.setAttribute(sockets.resolve("X5"), "unix:uid", 0);
      assertTrue(x(":5", null).whyNot(NOBODY, null, dir.resolve("none"), sockets).contains("root's server"),
          "root's server with no cookie file of the user's: anyone's display, maybe opened to all");
    }
  }

  /**
   * Adversarial pass, F1: libxcb connects to the abstract {@code @/tmp/.X11-unix/XN} first, and any
   * uid may bind that name; the file socket being the user's said nothing about who gets the
   * passphrase. A listener there of another uid's refuses the display; the user's or root's, or
   * none, leave it to the file socket's rules; a listener that cannot be asked refuses too.
   */
  @Test
  void anAbstractXSocketOfAnotherUidIsRefused() throws Exception {
    Path sockets = Files.createDirectory(dir.resolve("x11"));
    try (ServerSocketChannel server = socket(sockets.resolve("X5"))) {
      Path cookie = cookie("cookie", "rw-------");
      int owner = me();
      java.util.List<String> asked = new java.util.ArrayList<>();
      String why = x(":5", cookie).whyNot(me(), null, dir, sockets, name -> {
        asked.add(name);
        return OptionalInt.of(NOBODY);
      });
      assertEquals(java.util.List.of(sockets.resolve("X5").toString()), asked, "the abstract name libxcb connects to");
      assertTrue(why.contains("abstract socket") && why.contains("uid " + NOBODY), why);
      assertNull(x(":5", cookie).whyNot(me(), null, dir, sockets, name -> OptionalInt.of(owner)));
      assertNull(x(":5", cookie).whyNot(me(), null, dir, sockets, name -> OptionalInt.of(0)), "root's Xorg");
      assertNull(x(":5", cookie).whyNot(me(), null, dir, sockets, name -> OptionalInt.empty()), "no listener: the file socket decides");
      assertTrue(x(":5", cookie).whyNot(me(), null, dir, sockets, name -> {
        throw new java.io.IOException("cannot tell who listens on @x (connect: errno 11)");
      }).contains("cannot tell who listens"), "a listener that does not answer: refused, not waited on");
    }
  }

  /** The FFM lookup itself, against a real abstract listener of uid 65534's (socat under setpriv). */
  @Test
  void theAbstractSocketLookupSeesTheListenersUid() throws Exception {
    String name = "/tmp/guifix-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    assertEquals(OptionalInt.empty(), AbstractSocketPeer.SYSTEM.uidOf(name), "nobody listens");
    assumeTrue(me() == 0 && Files.isExecutable(Path.of("/usr/bin/socat")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "a listener of another uid's needs root, socat and setpriv");
    Process socat = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
        "/usr/bin/socat", "ABSTRACT-LISTEN:" + name + ",fork", "EXEC:/bin/cat").redirectErrorStream(true).start();
    try {
      OptionalInt uid = OptionalInt.empty();
      for (int tries = 0; tries < 200 && uid.isEmpty(); tries++) {
        uid = AbstractSocketPeer.SYSTEM.uidOf(name);
        if (uid.isEmpty()) {
          Thread.sleep(25); // socat binding its name: a real process, no clock to inject
        }
      }
      assertEquals(OptionalInt.of(NOBODY), uid);
    } finally {
      socat.destroyForcibly().waitFor();
    }
  }

  /**
   * Adversarial pass, F2: a root server (a display manager's) was asked on when the user had any
   * cookie file, even one without that display's cookie: someone else's session on another number
   * got the window. Now the file must hold an entry for that display.
   */
  @Test
  void aRootServerIsAskedOnOnlyWithTheUsersCookieForThatDisplay() throws Exception {
    assumeTrue(me() == 0, "a cookie file of another uid's than the server's needs root");
    Path sockets = Files.createDirectory(dir.resolve("x11"));
    try (ServerSocketChannel server = socket(sockets.resolve("X5"))) {
      Files.setAttribute(sockets.resolve("X5"), "unix:uid", 0);
      Path cookie = cookie("cookie", "rw-------");
      Files.setAttribute(cookie, "unix:uid", NOBODY);
      Files.write(cookie, xauth(65535, "", "3"));
      String why = x(":5", cookie).whyNot(NOBODY, null, dir, sockets, name -> OptionalInt.empty());
      assertTrue(why.contains("has no cookie for display 5"), why);
      Files.write(cookie, new byte[0]);
      assertNotNull(x(":5", cookie).whyNot(NOBODY, null, dir, sockets, name -> OptionalInt.empty()), "an empty cookie file");
      Files.write(cookie, concat(xauth(65535, "", "3"), xauth(65535, "", "5")));
      assertNull(x(":5.0", cookie).whyNot(NOBODY, null, dir, sockets, name -> OptionalInt.empty()));
    }
  }

  @Test
  void anXauthorityEntryCountsForItsDisplayAndHostOnly() {
    assertTrue(Xauthority.hasEntryFor(xauth(256, "here", "5"), 5, "here"));
    assertTrue(Xauthority.hasEntryFor(xauth(65535, "", "5"), 5, "here"), "FamilyWild: any host");
    assertTrue(Xauthority.hasEntryFor(xauth(256, "elsewhere", "5"), 5, null), "no host name known: any local entry");
    assertFalse(Xauthority.hasEntryFor(xauth(256, "elsewhere", "5"), 5, "here"), "another machine's display 5");
    assertFalse(Xauthority.hasEntryFor(xauth(256, "here", "50"), 5, "here"));
    assertFalse(Xauthority.hasEntryFor(xauth(0, "\u007f\0\0\1", "5"), 5, "here"), "an Internet entry: not this local display");
    assertTrue(Xauthority.hasEntryFor(concat(xauth(256, "here", "1"), xauth(256, "here", "5")), 5, "here"), "a later entry");
    byte[] whole = xauth(256, "here", "5");
    assertFalse(Xauthority.hasEntryFor(java.util.Arrays.copyOf(whole, whole.length - 1), 5, "here"), "truncated");
    assertFalse(Xauthority.hasEntryFor(new byte[] {1, 0, (byte) 0xff, (byte) 0xff}, 5, "here"), "a length past the end");
    assertFalse(Xauthority.hasEntryFor(new byte[0], 5, "here"));
  }

  @Test
  void oneXDisplayIsOneKeyHoweverItIsSpelled() {
    String key = x(":96", null).key(null);
    for (String same : new String[] {":96.0", "unix:96", ":096", "unix:096.2"}) {
      assertEquals(key, x(same, null).key(null), same);
    }
    assertFalse(key.equals(x(":97", null).key(null)));
    Path runtime = Path.of("/run/user/1000");
    assertEquals(new DisplaySession(null, "wayland-0", null, null, null).key(runtime),
        new DisplaySession(null, "/run/user/1000/./wayland-0", null, null, null).key(runtime));
  }

  /** One Xauthority entry: family, address, display number, MIT-MAGIC-COOKIE-1 and a 16-byte cookie. */
  private static byte[] xauth(int family, String address, String number) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(family >> 8);
    out.write(family);
    for (byte[] field : new byte[][] {address.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
        number.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        "MIT-MAGIC-COOKIE-1".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[16]}) {
      out.write(field.length >> 8);
      out.write(field.length);
      out.writeBytes(field);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  @Test
  void aWaylandSocketMustBeTheUsersInTheirPrivateRuntimeDirectory() throws Exception {
    Path runtime = Files.createDirectory(dir.resolve("run"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try (ServerSocketChannel compositor = socket(runtime.resolve("wayland-0"))) {
      DisplaySession wayland = new DisplaySession(null, "wayland-0", null, "wayland", null);
      assertNull(wayland.whyNot(me(), runtime, dir));
      assertNull(new DisplaySession(null, runtime.resolve("wayland-0").toString(), null, null, null).whyNot(me(), runtime, dir));
      assertNotNull(new DisplaySession(null, "../run/wayland-0", null, null, null).whyNot(me(), runtime, dir), "a name is a name, not a path");
      assertNotNull(new DisplaySession(null, "../../tmp/x", null, null, null).whyNot(me(), runtime, dir), "out of the runtime directory");
      assertNotNull(new DisplaySession(null, "wayland-1", null, null, null).whyNot(me(), runtime, dir));
      assertNotNull(wayland.whyNot(me(), null, dir), "no runtime directory to find a name in");
      assertNotNull(wayland.whyNot(me() + 1, runtime, dir));
      Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
      assertTrue(wayland.whyNot(me(), runtime, dir).contains("not a directory of the requesting uid's alone"));
    }
  }

  @Test
  void thePinentryGetsTheGivenVariablesAndTheCookieThatWasChecked() {
    DisplaySession session = new DisplaySession(":5", "wayland-0", null, "x11", "unix:path=/run/user/1/bus");
    assertEquals(Map.of("DISPLAY", ":5", "WAYLAND_DISPLAY", "wayland-0", "XAUTHORITY", "/home/u/.Xauthority",
        "XDG_SESSION_TYPE", "x11", "DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1/bus"), session.environment(Path.of("/home/u")));
    assertTrue(DisplaySession.NONE.environment(Path.of("/home/u")).isEmpty());
    assertNotNull(DisplaySession.NONE.whyNot(0, null, null));
  }
}
