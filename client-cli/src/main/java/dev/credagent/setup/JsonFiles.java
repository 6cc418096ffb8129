package dev.credagent.setup;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.client.JsonTrees;
import dev.credagent.files.DurableFile;
import dev.credagent.files.SmallFile;
import dev.credagent.imports.AuthFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes docker's and containers' JSON files as their own tools do (tab-indented, {@code "key":
 * value}, keys in the order they were read), atomically, after a backup of what was there.
 */
public final class JsonFiles {
  private static final DefaultPrettyPrinter DOCKER_STYLE = new DefaultPrettyPrinter(
      Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("\t", "\n"))
      .withArrayIndenter(new DefaultIndenter("\t", "\n"));

  private JsonFiles() {}

  public static byte[] render(ObjectNode root) {
    return (JsonTrees.write(root, DOCKER_STYLE.createInstance()) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code config.json} → {@code config.json.credagent-backup-20261123T210003Z}: one per change,
   * never overwritten, so the file as it was before credagent first touched it is always there.
   */
  public static Path backupOf(Path file, Instant now) {
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
    Path backup = file.resolveSibling(file.getFileName() + ".credagent-backup-" + stamp);
    for (int n = 2; Files.exists(backup); n++) {
      backup = file.resolveSibling(file.getFileName() + ".credagent-backup-" + stamp + "-" + n);
    }
    return backup;
  }

  /**
   * Replaces {@code file} with {@code content}: first a durable copy of the old file beside it,
   * then the new one by an atomic rename, so an interruption leaves the old file or the new one,
   * and the backup in either case; where {@code link} is a symbolic link, the file it leads to is
   * the one replaced, and the link stays. Returns the backup (null where there was no file).
   */
  public static Path replaceWithBackup(Path link, byte[] content, Instant now) throws IOException {
    Path file = DurableFile.throughLinks(link); // a symlinked config.json is rewritten where it lives
    Path dir = file.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path backup = null;
    if (Files.exists(file)) {
      backup = backupOf(file, now);
      DurableFile.replace(backup, SmallFile.read(file, AuthFile.MAX_FILE_BYTES, "auth file"));
    }
    DurableFile.replace(file, content);
    return backup;
  }
}
