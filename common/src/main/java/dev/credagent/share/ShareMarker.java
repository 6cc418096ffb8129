package dev.credagent.share;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code SOCKET.share}, beside a share's socket: written when the share opens and left when it
 * ends, so that a client that finds nothing on that path knows it was a share, and says the share
 * is gone instead of asking another daemon or starting one there (a daemon bound on a share's path
 * answers from the wrong vault and keeps the next {@code ssh -R} from binding). The C helper reads
 * the same name (agent_socket.c, agent_share_ended).
 */
public final class ShareMarker {
  public static final String SUFFIX = ".share";

  private ShareMarker() {}

  public static Path of(Path socket) {
    return socket.resolveSibling(socket.getFileName() + SUFFIX);
  }

  /** Markers of ended shares kept per directory: each new share forgets the oldest past this. */
  static final int KEPT = 64;

  /** Marks {@code socket} as share {@code name}'s; its directory is the owner's private one already. */
  static void write(Path socket, String name) throws IOException {
    Path marker = of(socket);
    Files.deleteIfExists(marker);
    forgetOldest(socket.getParent());
    Files.write(Files.createFile(marker, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
        ("credagent share " + name + "\n").getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Leaves fewer than {@link #KEPT} markers of ended shares in {@code directory} (those whose
   * socket is gone) for the new one to join, the oldest removed first: every `credagent share` without --socket makes a new
   * name, and a long session would otherwise leave one file per share it ever opened.
   */
  private static void forgetOldest(Path directory) throws IOException {
    List<Path> ended;
    try (Stream<Path> files = Files.list(directory)) {
      ended = files.filter(file -> file.getFileName().toString().endsWith(SUFFIX))
          .filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
          .filter(file -> Files.notExists(directory.resolve(socketName(file)), LinkOption.NOFOLLOW_LINKS))
          .sorted(Comparator.comparing(ShareMarker::modified))
          .toList();
    }
    for (int i = 0; i <= ended.size() - KEPT; i++) {
      Files.deleteIfExists(ended.get(i));
    }
  }

  private static String socketName(Path marker) {
    String name = marker.getFileName().toString();
    return name.substring(0, name.length() - SUFFIX.length());
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException gone) {
      return FileTime.fromMillis(0);
    }
  }

  /** True when {@code socket} was a share's: a regular file, not a link, marks it. */
  public static boolean marks(Path socket) {
    return Files.isRegularFile(of(socket), LinkOption.NOFOLLOW_LINKS);
  }

  /** The client's words for a share's path where nothing answers. */
  public static String endedMessage(Path socket) {
    return "the credagent share on " + socket + " has ended (its TTL ran out, or credagent share --stop): nothing "
        + "answers there and no daemon is started in its place; ask for a new share, or remove " + of(socket)
        + " to use the path for a daemon of your own";
  }
}
