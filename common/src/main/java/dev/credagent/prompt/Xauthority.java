package dev.credagent.prompt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;

/**
 * Whether an Xauthority file holds a cookie for a local display: a root server (a display
 * manager's) is asked on only when the user's cookie file has that display's entry. Any cookie
 * file of the user's was enough before, so a root server on another display number (someone
 * else's session, maybe opened with {@code xhost +}) got the window. Hand-written (libXau's format
 * is five length-prefixed fields; no Java library reads it): the file is read bounded, and its
 * cookies are wiped from memory once looked at.
 *
 * <p>Format (libXau AuFileName/XauReadAuth), repeated: family u16 BE, then address, number, name
 * and data, each a u16 BE length and that many bytes.
 */
final class Xauthority {
  /** More than any user's cookie file holds (one entry is ~50 bytes): a bigger one is refused. */
  static final int MAX_BYTES = 64 * 1024;
  private static final int FAMILY_LOCAL = 256;
  private static final int FAMILY_WILD = 65535;

  private Xauthority() {}

  /** Whether {@code file} (a regular file, checked by the caller) has an entry for display {@code number} here. */
  static boolean hasEntryFor(Path file, int number) throws IOException {
    byte[] bytes;
    try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    try {
      return bytes.length <= MAX_BYTES && hasEntryFor(bytes, number, hostName());
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Whether {@code file} has an entry for display {@code number}: FamilyWild, or FamilyLocal with
   * the address {@code host} (null: any local address); a truncated entry ends the search.
   */
  static boolean hasEntryFor(byte[] file, int number, String host) {
    int at = 0;
    while (at + 2 <= file.length) {
      int family = u16(file, at);
      at += 2;
      int[] fields = new int[4]; // start of address, number, name, data
      int[] lengths = new int[4];
      for (int field = 0; field < 4; field++) {
        if (at + 2 > file.length) {
          return false;
        }
        lengths[field] = u16(file, at);
        fields[field] = at + 2;
        at += 2 + lengths[field];
        if (at > file.length) {
          return false;
        }
      }
      String entryNumber = new String(file, fields[1], lengths[1], StandardCharsets.US_ASCII);
      if (!entryNumber.matches("[0-9]{1,4}") || Integer.parseInt(entryNumber) != number) {
        continue;
      }
      if (family == FAMILY_WILD) {
        return true;
      }
      if (family == FAMILY_LOCAL
          && (host == null || host.equals(new String(file, fields[0], lengths[0], StandardCharsets.US_ASCII)))) {
        return true;
      }
    }
    return false;
  }

  private static int u16(byte[] bytes, int at) {
    return (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
  }

  /** The name libXau matches FamilyLocal entries against (gethostname); null where it cannot be read. */
  private static String hostName() {
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      return Files.isReadable(kernel) ? Files.readString(kernel, StandardCharsets.US_ASCII).strip() : null;
    } catch (IOException | RuntimeException unknown) {
      return null;
    }
  }
}
