package dev.credagent.prompt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requester's graphical session, as its helper's environment names it (gpg-agent's session
 * environment, gnupg common/session-env.c): where a graphical pinentry may ask. What a helper says
 * is never taken on trust: {@link #whyNot} checks that the display is the requesting user's own
 * before a window is put on it, and the pinentry gets these five variables and no other display.
 *
 * <p>The rules, each given variable checked (one that fails refuses the display):
 * <ul>
 *   <li>{@code WAYLAND_DISPLAY}: its socket (a name is under the daemon's XDG_RUNTIME_DIR, the
 *   same user's) is a socket of the uid's, in a directory of the uid's that group and others
 *   cannot reach.
 *   <li>{@code DISPLAY}: a local display only ({@code :N[.S]} or {@code unix:N[.S]}); over TCP
 *   (ssh -X's {@code localhost:10.0}) nobody can say who listens. Its socket
 *   {@code /tmp/.X11-unix/XN} is the uid's (Xvfb, Xwayland, a server the user started) or root's
 *   (a display manager's Xorg); anyone else's is refused.
 *   <li>{@code XAUTHORITY}, or without it the user's {@code ~/.Xauthority}: a regular file of the
 *   uid's that group and others cannot write. Without any cookie file a display is asked on only
 *   when its server is the uid's own: a root server without a cookie of the user's may be anyone's
 *   session opened to all ({@code xhost +}).
 * </ul>
 */
public record DisplaySession(String display, String waylandDisplay, String xauthority, String sessionType, String dbus) {
  public static final DisplaySession NONE = new DisplaySession(null, null, null, null, null);

  private static final Pattern LOCAL_X = Pattern.compile("(?:unix)?:([0-9]{1,4})(?:\\.[0-9]{1,3})?");
  private static final Path X11_SOCKETS = Path.of("/tmp/.X11-unix");

  /** Whether no display was named at all (a terminal, or nothing). */
  public boolean isEmpty() {
    return blank(display) && blank(waylandDisplay);
  }

  /**
   * Which display this is, for the quiet time after a cancel: the Wayland socket's path (a name
   * resolved in {@code runtimeDir}), else the X display's number; {@code :96.0}, {@code unix:96}
   * and {@code :096} are one display and one quiet time.
   */
  public String key(Path runtimeDir) {
    if (!blank(waylandDisplay)) {
      Path socket = waylandDisplay.startsWith("/") || runtimeDir == null ? Path.of(waylandDisplay)
          : runtimeDir.resolve(waylandDisplay);
      return "wayland " + socket.normalize();
    }
    if (blank(display)) {
      return "no display";
    }
    Matcher local = LOCAL_X.matcher(display);
    return local.matches() ? "X display " + Integer.parseInt(local.group(1)) : "display " + display;
  }

  /** What logs call this display by (not a secret; never a cookie). */
  public String name() {
    return !blank(waylandDisplay) ? "wayland " + waylandDisplay : "display " + display;
  }

  /**
   * Why a window may not be put on this session for the user {@code uid}, in one line; null when
   * it may. {@code runtimeDir}: the user's XDG_RUNTIME_DIR (a Wayland name's directory);
   * {@code home}: the user's home (its .Xauthority where XAUTHORITY was not given).
   */
  public String whyNot(int uid, Path runtimeDir, Path home, Path x11Sockets) {
    return whyNot(uid, runtimeDir, home, x11Sockets, AbstractSocketPeer.SYSTEM);
  }

  /**
   * As {@link #whyNot(int, Path, Path, Path)}, with {@code listeners} telling who listens on an
   * abstract socket name (tests: a listener of another uid's without binding one).
   */
  public String whyNot(int uid, Path runtimeDir, Path home, Path x11Sockets, AbstractSocketPeer.Lookup listeners) {
    if (isEmpty()) {
      return "no display was named";
    }
    try {
      if (!blank(waylandDisplay)) {
        Path socket = waylandDisplay.startsWith("/") ? Path.of(waylandDisplay).normalize()
            : runtimeDir == null ? null : runtimeDir.resolve(waylandDisplay);
        if (socket == null || (!waylandDisplay.startsWith("/") && waylandDisplay.contains("/"))) {
          return "WAYLAND_DISPLAY " + waylandDisplay + " is no socket in the user's runtime directory";
        }
        String why = ownSocket(socket, uid, false);
        if (why == null) {
          why = privateDirectory(socket.getParent(), uid);
        }
        if (why != null) {
          return "WAYLAND_DISPLAY: " + why;
        }
      }
      if (!blank(display)) {
        Matcher local = LOCAL_X.matcher(display);
        if (!local.matches()) {
          return "DISPLAY " + display + " is not a local display (:N); a display over TCP is not asked on";
        }
        int number = Integer.parseInt(local.group(1));
        Path socket = x11Sockets.resolve("X" + number);
        // libxcb tries the abstract name first: whoever listens there gets the typed passphrase.
        OptionalInt abstractListener;
        try {
          abstractListener = listeners.uidOf(socket.toString());
        } catch (IOException unknown) {
          return "DISPLAY " + display + ": " + unknown.getMessage();
        }
        if (abstractListener.isPresent() && abstractListener.getAsInt() != uid && abstractListener.getAsInt() != 0) {
          return "DISPLAY " + display + ": the abstract socket @" + socket + " is listened on by uid "
              + abstractListener.getAsInt() + ", not by the requesting uid " + uid + " or root";
        }
        String why = ownSocket(socket, uid, true);
        if (why != null) {
          return "DISPLAY " + display + ": " + why;
        }
        boolean serverIsOwn = owner(socket) == uid && (abstractListener.isEmpty() || abstractListener.getAsInt() == uid);
        Path cookie = cookieFile(home);
        if (cookie == null || !Files.exists(cookie, LinkOption.NOFOLLOW_LINKS)) {
          if (!blank(xauthority)) {
            return "XAUTHORITY " + xauthority + " does not exist";
          }
          return serverIsOwn ? null : "DISPLAY " + display + " is root's server and there is no XAUTHORITY of the user's";
        }
        String notOwn = ownCookie(cookie, uid);
        if (notOwn != null || serverIsOwn) {
          return notOwn;
        }
        // Root's server: any cookie file of the user's is not enough; it must hold this display's cookie.
        return Xauthority.hasEntryFor(cookie, number) ? null
            : "DISPLAY " + display + " is root's server and XAUTHORITY " + cookie + " has no cookie for display " + number;
      }
      return null;
    } catch (IOException | RuntimeException unreadable) {
      return "the display's files cannot be checked (" + unreadable.getClass().getSimpleName() + ")";
    }
  }

  /** The cookie file the pinentry's X library reads: XAUTHORITY, else ~/.Xauthority. */
  private Path cookieFile(Path home) {
    if (!blank(xauthority)) {
      return Path.of(xauthority);
    }
    return home == null ? null : home.resolve(".Xauthority");
  }

  private static String ownSocket(Path socket, int uid, boolean rootToo) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return socket + " does not exist";
    }
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0140000) {
      return socket + " is not a socket";
    }
    int owner = owner(socket);
    if (owner != uid && !(rootToo && owner == 0)) {
      return socket + " belongs to uid " + owner + ", not to the requesting uid " + uid;
    }
    return null;
  }

  private static String privateDirectory(Path dir, int uid) throws IOException {
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0040000 || owner(dir) != uid || (mode & 077) != 0) {
      return dir + " is not a directory of the requesting uid's alone";
    }
    return null;
  }

  private static String ownCookie(Path cookie, int uid) throws IOException {
    if (!cookie.isAbsolute()) {
      return "XAUTHORITY is not an absolute path";
    }
    int mode = (Integer) Files.getAttribute(cookie, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0100000) {
      return "XAUTHORITY " + cookie + " is not a regular file (or is a symbolic link)";
    }
    if (owner(cookie) != uid) {
      return "XAUTHORITY " + cookie + " belongs to uid " + owner(cookie) + ", not to the requesting uid " + uid;
    }
    if ((mode & 022) != 0) {
      return "XAUTHORITY " + cookie + " is writable by group or others (mode " + Integer.toOctalString(mode & 0777) + ")";
    }
    return null;
  }

  private static int owner(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  /** The same as {@link #whyNot(int, Path, Path, Path)} with the X sockets where X keeps them. */
  public String whyNot(int uid, Path runtimeDir, Path home) {
    return whyNot(uid, runtimeDir, home, X11_SOCKETS);
  }

  /**
   * The pinentry's display environment: these variables as given (XAUTHORITY defaulted to the
   * cookie file that was checked), and nothing of the daemon's own display.
   */
  Map<String, String> environment(Path home) {
    Map<String, String> env = new LinkedHashMap<>();
    put(env, "DISPLAY", display);
    put(env, "WAYLAND_DISPLAY", waylandDisplay);
    if (!blank(display)) {
      Path cookie = cookieFile(home);
      put(env, "XAUTHORITY", cookie == null ? null : cookie.toString());
    }
    put(env, "XDG_SESSION_TYPE", sessionType);
    put(env, "DBUS_SESSION_BUS_ADDRESS", dbus);
    return env;
  }

  /** The variables of a display the daemon's own environment may hold: removed from every pinentry's. */
  static final java.util.List<String> VARIABLES =
      java.util.List.of("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_SESSION_TYPE", "DBUS_SESSION_BUS_ADDRESS");

  private static void put(Map<String, String> env, String name, String value) {
    if (!blank(value)) {
      env.put(name, value);
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isEmpty();
  }

  @Override
  public String toString() {
    return isEmpty() ? "no display" : name();
  }
}
