package dev.credagent.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a stat says of the config file, enough to tell that it changed without reading it: which
 * file (device and inode: an editor that writes a new file and renames it over the old), its size,
 * its modification time, and its change time (ctime), which a write, a chmod or a rename sets to now
 * and which no user can set back: an edit whose mtime is put back ({@code touch -r}, {@code cp -p},
 * {@code rsync -t}) still changes it. Symbolic links are followed, as the read follows them.
 *
 * <p>Two edits within one tick of the file system's clock (a few milliseconds on ext4, two seconds
 * on FAT) can leave equal stamps, so a stamp is trusted only once it has {@linkplain #settled
 * settled}: what was read while the file's last change was recent is read again next time (git's
 * "racy clean" rule).
 */
record ConfigStamp(Object device, Object inode, long size, FileTime modified, FileTime changed) {
  /** Longer than the coarsest timestamp tick of a file system a home may be on (FAT's 2 s). */
  static final Duration SETTLING = Duration.ofSeconds(3);

  /** No file: the defaults apply, and the stamp is that of absence, which settles at once. */
  static final ConfigStamp ABSENT = new ConfigStamp(null, null, -1, FileTime.fromMillis(0), FileTime.fromMillis(0));

  /** The file's stamp now, {@link #ABSENT} where there is none, or null where it cannot be told (read it). */
  static ConfigStamp of(Path file) {
    try {
      Map<String, Object> stat = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
      return new ConfigStamp(stat.get("dev"), stat.get("ino"), (Long) stat.get("size"),
          (FileTime) stat.get("lastModifiedTime"), (FileTime) stat.get("ctime"));
    } catch (NoSuchFileException e) {
      return ABSENT;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
      return null; // no unix view here, or no stat: read every time, as before there was a stamp
    }
  }

  /**
   * Whether the file's last change is far enough behind {@code now} that a change from now on gets
   * a later timestamp: a change time in the future (a clock set back) never settles.
   */
  boolean settled(Instant now) {
    Instant last = modified.toInstant().isAfter(changed.toInstant()) ? modified.toInstant() : changed.toInstant();
    return last.plus(SETTLING).isBefore(now);
  }
}
