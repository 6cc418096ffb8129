package dev.credagent.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A directory only its owner may enter: where the socket and the vault live.
 *
 * <p>We create it 0700 and refuse one that another user owns or that group or others can reach,
 * as git's credential-cache does: whoever can enter it could swap the socket for their own and
 * collect what the helper sends.
 */
public final class PrivateDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private PrivateDirectory() {}

  /** Creates {@code dir} (and missing parents) owner-only, or checks the one that is there. */
  public static Path ensure(Path dir, int ownerUid) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (Files.notExists(absolute, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = absolute.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        // The umask may have taken bits away from what we asked, never added; set it exactly.
        Files.setPosixFilePermissions(absolute, OWNER_ONLY);
      } catch (FileAlreadyExistsException raced) {
        // Someone created it between our look and our create: check theirs like any other.
      }
    }
    check(absolute, ownerUid);
    return absolute;
  }

  /**
   * Makes {@code dir} owner-only where it is the user's own real directory that group or others
   * can reach but that is no shared directory (no sticky bit, not world-writable): a home an
   * earlier credagent created with the umask's 0755. Returns what was done, to say so; null
   * where nothing needed doing (or it is not ours to change: {@link #check} says why then).
   */
  public static String repair(Path dir, int ownerUid) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
        || (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) != ownerUid) {
      return null;
    }
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0077) == 0 || (mode & STICKY) != 0 || (mode & 0002) != 0) {
      return null;
    }
    String was = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
    Files.setPosixFilePermissions(dir, OWNER_ONLY);
    return "made " + dir + " yours alone (chmod 700; it was " + was + "): it is your own directory, and it holds your vault";
  }

  /** Throws unless {@code dir} is a real directory of {@code ownerUid} that nobody else can reach. */
  public static void check(Path dir, int ownerUid) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new InsecureDirectoryException("refusing to use " + dir
          + ": it is not a directory (or is a symbolic link); remove it, or choose another path");
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != ownerUid && ownerUid == 0) {
      throw new InsecureDirectoryException(asRoot(dir, owner));
    }
    if (owner != ownerUid) {
      throw new InsecureDirectoryException("refusing to use " + dir + ": it belongs to uid " + owner
          + ", not to you (uid " + ownerUid + "); " + OWN_DIRECTORY);
    }
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0077) != 0) {
      String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
      boolean shared = (mode & STICKY) != 0 || (mode & 0002) != 0;
      throw new InsecureDirectoryException("refusing to use " + dir + ": group or others can reach it (mode "
          + perms + (shared ? ", a shared directory); " + OWN_DIRECTORY : "); run: chmod 700 " + dir));
    }
  }

  /**
   * Refuses root whose {@code HOME} is another user's (sudo -E, su without -) before anything is
   * made: the checks on each directory catch only what exists, and a first command made root-owned
   * ~/.local/share/credagent, ~/.docker/config.json and ~/.config/containers in the user's home,
   * which the user's own credagent then refused.
   */
  public static void refuseAnotherUsersHome(java.util.Map<String, String> env, int uid) throws IOException {
    String home = env.get("HOME");
    if (uid != 0 || home == null || home.isEmpty() || !Files.isDirectory(Path.of(home))) {
      return;
    }
    int owner = (Integer) Files.getAttribute(Path.of(home), "unix:uid");
    if (owner != 0) {
      throw new InsecureDirectoryException(asRoot(Path.of(home), owner));
    }
  }

  /**
   * Root with another user's HOME or XDG_RUNTIME_DIR (sudo -E, su without -) finds that user's
   * files: the fix is to run as that user, not to point credagent elsewhere.
   */
  public static String asRoot(Path path, int owner) {
    String name = userName(owner);
    return name != null
        ? "refusing " + path + ": you are root, and it is " + name + "'s; run credagent as " + name
            + " (sudo -u " + name + " credagent ...)"
        : "refusing " + path + ": you are root, and it belongs to uid " + owner + "; run credagent as that user";
  }

  /** The name /etc/passwd gives {@code uid}, or null. */
  private static String userName(int uid) {
    try (Stream<String> lines = Files.lines(Path.of("/etc/passwd"))) {
      return lines.map(line -> line.split(":", -1)).filter(f -> f.length > 2 && f[2].equals(Integer.toString(uid)))
          .map(f -> f[0]).findFirst().orElse(null);
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  /** The fix where the directory is someone else's or is meant to be shared, such as /tmp. */
  private static final String OWN_DIRECTORY = "keep the socket and the vault in a directory of your own "
      + "(CREDAGENT_SOCKET=$XDG_RUNTIME_DIR/credagent/agent.sock, or any path in a directory only you can reach)";
  private static final int STICKY = 01000;
}
