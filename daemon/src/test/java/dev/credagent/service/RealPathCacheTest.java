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

  /** A resolver that hangs on {@code /stalled/...} until released, as a hung NFS or FUSE mount does. */
  private static final class HungMount implements ProfileTable.RealPaths {
    final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Path real(Path absolute) throws IOException {
      calls.incrementAndGet();
      if (absolute.startsWith("/stalled")) {
        entered.release();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return absolute;
    }
  }

  @Test
  void aRequestFromAHungMountDoesNotHoldUpAnotherOne() throws Exception {
    HungMount mount = new HungMount();
    RealPathCache resolving = new RealPathCache(clock, mount, java.time.Duration.ofMinutes(10), 2);
    var stalled = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return resolving.real(Path.of("/stalled/w"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    mount.entered.acquire();
    assertEquals(Path.of("/w/a"), resolving.real(Path.of("/w/a")), "answered while the other waits on its mount");
    org.junit.jupiter.api.Assertions.assertFalse(stalled.isDone());
    mount.release.countDown();
    assertEquals(Path.of("/stalled/w"), stalled.join());
  }

  @Test
  @org.junit.jupiter.api.Timeout(30) // before the fix, the wait on the hung mount had no end
  void aPathPastTheWaitIsTheDefaultProfilesWithTheReasonAndIsNotWaitedForAgainForAWhile() throws Exception {
    HungMount mount = new HungMount();
    // No wait at all: the resolver, blocked on its latch, is never done in time; nothing sleeps.
    RealPathCache resolving = new RealPathCache(clock, mount, java.time.Duration.ZERO, 2);
    ProfileTable table = ProfileTable.EMPTY.with("work", List.of(Path.of("/stalled")));
    try {
      ProfileTable.Choice first = table.choose("/stalled/w", null, resolving);
      assertEquals("default", first.name());
      assertEquals("the working directory /stalled/w did not resolve within 0 ms (a hung mount?)", first.why());
      mount.entered.acquire();
      ProfileTable.Choice again = table.choose("/stalled/w", null, resolving);
      assertEquals("default", again.name());
      org.junit.jupiter.api.Assertions.assertTrue(again.why().contains("not waited for again"), again.why());
      assertEquals(1, mount.calls.get(), "the stalled path is not resolved again within the while");
      clock.advance(RealPathCache.STALLED_FOR);
      table.choose("/stalled/w", null, resolving);
      org.junit.jupiter.api.Assertions.assertTrue(mount.entered.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS),
          "then it is tried anew");
      assertEquals(2, mount.calls.get());
    } finally {
      mount.release.countDown();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30) // before the fix, the wait on the hung mount had no end
  void withEveryResolvingThreadStuckARequestIsAnsweredAtOnceInTheDefaultProfile() throws Exception {
    HungMount mount = new HungMount();
    RealPathCache resolving = new RealPathCache(clock, mount, java.time.Duration.ZERO, 1);
    ProfileTable table = ProfileTable.EMPTY.with("work", List.of(Path.of("/w")));
    try {
      table.choose("/stalled/w", null, resolving);
      mount.entered.acquire(); // the one thread is stuck in the mount
      ProfileTable.Choice busy = table.choose("/w/a", null, resolving);
      assertEquals("default", busy.name());
      org.junit.jupiter.api.Assertions.assertTrue(busy.why().contains("every resolving thread"), busy.why());
    } finally {
      mount.release.countDown();
    }
  }
}
