package dev.credagent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file so that a crash at any moment leaves the old content or the new, never a mix.
 *
 * <p>The order is what makes it so: write a temp file beside the target, fsync it, rename it over
 * the target (atomic within one directory), then fsync the directory so the rename itself is on
 * disk before we acknowledge anything.
 */
public final class DurableFile {
  private DurableFile() {}

  public static void replace(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    syncDirectory(dir);
  }

  /**
   * The file a rewrite of {@code path} must replace: where {@code path} is a symbolic link (a
   * dotfile manager's: stow, home-manager, chezmoi), the file it leads to, so that the rewrite lands
   * there, atomically in that file's own directory, and the link stays a link. Replacing the link
   * itself left the old content, secrets and all, in its target while reporting it removed.
   */
  public static Path throughLinks(Path path) throws IOException {
    Path current = path.toAbsolutePath();
    for (int hops = 0; Files.isSymbolicLink(current); hops++) {
      if (hops == 40) {
        throw new IOException(path + ": too many levels of symbolic links");
      }
      current = current.getParent().resolve(Files.readSymbolicLink(current)).normalize();
    }
    return current;
  }

  /** Removes leftovers of writes that a crash interrupted before their rename. */
  public static void removeLeftovers(Path target) throws IOException {
    String prefix = "." + target.getFileName() + ".";
    try (var entries = Files.newDirectoryStream(target.toAbsolutePath().getParent(),
        entry -> entry.getFileName().toString().startsWith(prefix)
            && entry.getFileName().toString().endsWith(".tmp"))) {
      for (Path leftover : entries) {
        Files.deleteIfExists(leftover);
      }
    }
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
