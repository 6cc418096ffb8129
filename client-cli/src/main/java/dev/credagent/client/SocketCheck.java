package dev.credagent.client;

import dev.credagent.files.InsecureDirectoryException;
import dev.credagent.files.PrivateDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What a client checks before it sends a byte (the C helper checks the same, in C): the socket's
 * directory is the user's own and private, and the socket in it is a socket of the user's. The
 * third check, that the process listening runs as the user, needs the connection: {@link
 * AgentClient#connect} makes it. Where the directory is world-writable (a default socket under
 * /tmp, say), another user could otherwise plant a listener and collect every secret we send.
 */
final class SocketCheck {
  private static final int FILE_TYPE = 0170000;
  private static final int SOCKET_TYPE = 0140000;

  private SocketCheck() {}

  static void check(Path socket, int uid) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new AgentUnavailableException(socket, "its directory does not exist");
    }
    PrivateDirectory.check(dir, uid);
    if (Files.notExists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return; // nothing listens: connect says so
    }
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    int owner = (Integer) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if ((mode & FILE_TYPE) != SOCKET_TYPE) {
      throw new InsecureDirectoryException("refusing " + socket + ": it is not a socket; remove it");
    }
    if (owner != uid && uid == 0) {
      throw new InsecureDirectoryException(PrivateDirectory.asRoot(socket, owner));
    }
    if (owner != uid) {
      throw new InsecureDirectoryException("refusing " + socket + ": it belongs to uid " + owner
          + ", not to you (uid " + uid + "); remove it, or set CREDAGENT_SOCKET to a socket of your own");
    }
  }
}
