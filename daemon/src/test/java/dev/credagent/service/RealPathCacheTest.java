package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The moment a working directory's real path is kept: bounded in time and in count, failures never kept. */
class RealPathCacheTest {
  @TempDir Path root;
  private final TestClock clock = new TestClock();
  private final RealPathCache cache = new RealPathCache(clock);

  @Test
  void aSymlinkPointedElsewhereIsSeenOnceTheMomentHasPassed() throws Exception {
    Path base = root.toRealPath();
    Path work = Files.createDirectories(base.resolve("work"));
    Path other = Files.createDirectories(base.resolve("other"));
    Path link = Files.createSymbolicLink(base.resolve("link"), work);
    ProfileTable table = ProfileTable.EMPTY.with("work", List.of(work));
    assertEquals("work", table.choose(link.toString(), null, cache).name());
    Files.delete(link);
    Files.createSymbolicLink(link, other);
    assertEquals("work", table.choose(link.toString(), null, cache).name(), "within the moment: as resolved");
    clock.advance(RealPathCache.FRESH);
    assertEquals("default", table.choose(link.toString(), null, cache).name(), "then resolved anew");
  }

  @Test
  void aMissingDirectoryIsNotKeptAndTheCacheIsBounded() throws Exception {
    Path base = root.toRealPath();
    Path later = base.resolve("later");
    assertThrows(IOException.class, () -> cache.real(later));
    Files.createDirectories(later);
    assertEquals(later, cache.real(later), "made a moment later: judged at once");
    for (int i = 0; i < RealPathCache.MAX + 50; i++) {
      cache.real(Files.createDirectories(base.resolve("d" + i)));
    }
    assertEquals(RealPathCache.MAX, cache.size());
  }

  @Test
  void withoutProfilesNoPathIsResolvedAtAll() throws Exception {
    ProfileTable.RealPaths never = path -> {
      throw new AssertionError("resolved " + path);
    };
    ProfileTable.Choice choice = ProfileTable.EMPTY.choose(root.resolve("gone").toString(), null, never);
    assertEquals("default", choice.name());
  }
}
