package dev.credagent.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFileTest {
  @TempDir Path dir;

  @Test
  void replacesTheContentOwnerOnlyAndLeavesNoTempFile() throws Exception {
    Path target = dir.resolve("vault");
    Files.writeString(target, "old");
    DurableFile.replace(target, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    assertEquals(List.of(target), list());
  }

  @Test
  void leftoversOfAnInterruptedWriteAreRemovedAndNothingElse() throws Exception {
    Path target = dir.resolve("vault");
    Files.writeString(target, "kept");
    Files.writeString(dir.resolve(".vault.123.tmp"), "half");
    Files.writeString(dir.resolve("daemon.log"), "log");
    DurableFile.removeLeftovers(target);
    assertEquals(List.of(dir.resolve("daemon.log"), target), list());
  }

  private List<Path> list() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
