package dev.credagent.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file that is meant to be small (a config, docker's {@code config.json}): only a regular
 * file, and never more than a bound. Opening a FIFO blocks until a writer comes, and {@code
 * /dev/zero} (or a symlink to it) never ends, so both are refused before the open; a file that
 * grows, or is swapped for a bigger one, after the check is still read no further than the bound.
 * Symbolic links are followed: a symlinked config is a normal setup (dotfiles).
 */
public final class SmallFile {
  private SmallFile() {}

  /** The bytes of {@code file}; {@code what} names its kind in the error ("config file"). */
  public static byte[] read(Path file, long maxBytes, String what) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NotASmallFileException(file + " is not a regular file; make it one, or remove it");
    }
    if (Files.size(file) > maxBytes) {
      throw tooLarge(file, maxBytes, what);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw tooLarge(file, maxBytes, what);
      }
      return bytes;
    }
  }

  private static NotASmallFileException tooLarge(Path file, long maxBytes, String what) {
    return new NotASmallFileException(file + " is larger than " + maxBytes / 1024 + " KiB, which no " + what + " is");
  }

  /** The file is no regular file, or larger than any file of its kind; the message says which and what to do. */
  public static final class NotASmallFileException extends IOException {
    NotASmallFileException(String message) {
      super(message);
    }
  }
}
