package dev.credagent.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
