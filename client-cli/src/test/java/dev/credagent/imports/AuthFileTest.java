package dev.credagent.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.setup.JsonFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker's and containers' auth files read, harvested and rewritten, on fixture files. */
class AuthFileTest {
  @TempDir Path dir;

  private Path file(String json) throws Exception {
    return Files.writeString(dir.resolve("config.json"), json, StandardCharsets.UTF_8);
  }

  private static String auth(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyFormDockerWritesIsHarvestedAndEmptyEntriesAreNot() throws Exception {
    Path file = file("{\"auths\": {\"a.example\": {\"auth\": \"" + auth("alice:pa:ss") + "\"},"
        + " \"b.example\": {\"identitytoken\": \"tok\"}, \"c.example\": {\"username\": \"u\", \"password\": \"p\"},"
        + " \"d.example\": {}, \"e.example\": {\"email\": \"x@y\"}}}");
    try (Harvest harvest = AuthFile.credentials(file, AuthFile.read(file))) {
      assertEquals(List.of("a.example (alice)", "b.example (<token>)", "c.example (u)"),
          harvest.found().stream().map(Found::toString).toList());
      assertArrayEquals("pa:ss".toCharArray(), harvest.found().getFirst().secret(), "only the first colon splits");
      assertEquals(List.of("e.example"), harvest.skipped().stream().map(Skipped::server).toList());
    }
  }

  @Test
  void aMalformedFileNamesThePlaceAndNeverTheSecret() throws Exception {
    Path notBase64 = file("{\"auths\": {\"a.example\": {\"auth\": \"s3cret!!\"}}}");
    Exception e = assertThrows(MalformedAuthFileException.class, () -> AuthFile.credentials(notBase64, AuthFile.read(notBase64)));
    assertTrue(e.getMessage().contains("\"auths\".\"a.example\".\"auth\""), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    Path noColon = file("{\"auths\": {\"a.example\": {\"auth\": \"" + auth("justasecret") + "\"}}}");
    Exception colon = assertThrows(MalformedAuthFileException.class, () -> AuthFile.credentials(noColon, AuthFile.read(noColon)));
    assertFalse(colon.getMessage().contains("justasecret"), colon.getMessage());
    assertThrows(MalformedAuthFileException.class, () -> AuthFile.read(file("[1, 2]")));
    assertThrows(MalformedAuthFileException.class, () -> AuthFile.read(file("{\"auths\": \"x\"}")));
    Exception json = assertThrows(MalformedAuthFileException.class, () -> AuthFile.read(file("{\"auths\": {")));
    assertTrue(json.getMessage().contains("line 1"), json.getMessage());
    assertEquals("{}", AuthFile.read(file("")).toString(), "an empty file, as docker treats it");
    assertEquals("{}", AuthFile.read(dir.resolve("none.json")).toString());
  }

  @Test
  void strippingKeepsTheEntryAndEveryKeyThatIsNoSecret() throws Exception {
    ObjectNode root = AuthFile.read(file("{\"auths\": {\"a.example\": {\"auth\": \"" + auth("a:b")
        + "\", \"email\": \"x@y\"}}, \"HttpHeaders\": {\"User-Agent\": \"me\"}}"));
    AuthFile.strip(root, "a.example");
    AuthFile.strip(root, "not-there.example");
    assertEquals("{\"auths\":{\"a.example\":{\"email\":\"x@y\"}},\"HttpHeaders\":{\"User-Agent\":\"me\"}}", root.toString());
  }

  @Test
  void aRewriteIsDockersOwnLayoutWithABackupOfWhatWasThere() throws Exception {
    String before = "{\"auths\":{\"a.example\":{}},\"credsStore\":\"agent\"}";
    Path file = file(before);
    Path backup = JsonFiles.replaceWithBackup(file, JsonFiles.render(AuthFile.read(file)), Instant.parse("2026-12-04T10:00:00Z"));
    assertEquals("{\n\t\"auths\": {\n\t\t\"a.example\": {}\n\t},\n\t\"credsStore\": \"agent\"\n}\n", Files.readString(file));
    assertEquals(dir.resolve("config.json.credagent-backup-20261204T100000Z"), backup);
    assertEquals(before, Files.readString(backup));
    Path second = JsonFiles.replaceWithBackup(file, JsonFiles.render(AuthFile.read(file)), Instant.parse("2026-12-04T10:00:00Z"));
    assertEquals(dir.resolve("config.json.credagent-backup-20261204T100000Z-2"), second, "a backup is never overwritten");
  }

  /**
   * A FIFO, a symlink to /dev/zero and a file past the bound are each refused with one line that
   * names the file, at once: before, the FIFO blocked the read for good and /dev/zero ran the JVM
   * out of memory.
   */
  @Test
  void aFifoDevZeroOrAnOversizedFileIsRefusedAtOnceWithOneLine() throws Exception {
    Path fifo = dir.resolve("fifo.json");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
    Path zero = Files.createSymbolicLink(dir.resolve("zero.json"), Path.of("/dev/zero"));
    Path huge = dir.resolve("huge.json");
    try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
      sparse.setLength(AuthFile.MAX_FILE_BYTES + 1);
    }
    for (Path file : List.of(fifo, zero, huge)) {
      java.io.IOException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
          () -> assertThrows(java.io.IOException.class, () -> AuthFile.read(file)), file.toString());
      assertTrue(e.getMessage().startsWith(file + " is "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }
}
