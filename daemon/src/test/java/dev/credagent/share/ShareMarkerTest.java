package dev.credagent.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marks that let a client tell an ended share's path, and their bound. */
class ShareMarkerTest {
  @Test
  void aSharesPathStaysMarkedAndTheMarksOfEndedSharesAreBounded(@TempDir Path dir) throws Exception {
    Path live = Files.createFile(dir.resolve("live.sock")); // a share still open: its mark is never forgotten
    ShareMarker.write(live, "live");
    Files.setLastModifiedTime(ShareMarker.of(live), FileTime.fromMillis(1));
    for (int i = 0; i < ShareMarker.KEPT + 10; i++) {
      Path ended = dir.resolve("share-" + i + ".sock");
      ShareMarker.write(ended, "share-" + i);
      Files.setLastModifiedTime(ShareMarker.of(ended), FileTime.fromMillis(1000L + i));
    }
    Path newest = dir.resolve("share-new.sock");
    ShareMarker.write(newest, "share-new");

    assertTrue(ShareMarker.marks(newest) && ShareMarker.marks(live));
    assertFalse(ShareMarker.marks(dir.resolve("share-0.sock")), "the oldest ended share's mark went first");
    assertTrue(ShareMarker.marks(dir.resolve("share-" + (ShareMarker.KEPT + 9) + ".sock")));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(ShareMarker.KEPT + 1, files.filter(file -> file.toString().endsWith(ShareMarker.SUFFIX)).count(),
          "the ended ones kept below the bound, plus the live one");
    }
  }
}
