package dev.credagent.files;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
  @TempDir Path dir;

  @Test
  void aSymbolicLinkInPlaceOfTheLockIsNotFollowed() throws Exception {
    // Defect 13: agent.sock.lock was opened following links, so a link could create a file elsewhere.
    Path elsewhere = dir.resolve("elsewhere");
    Path lock = dir.resolve("agent.sock.lock");
    Files.createSymbolicLink(lock, elsewhere);
    assertThrows(IOException.class, () -> LockFile.acquire(lock, Duration.ZERO));
    assertFalse(Files.exists(elsewhere), "nothing was created through the link");
  }

  @Test
  void aHeldLockIsRefusedWithinTheWaitAndFreeAgainOnceReleased() throws Exception {
    Path file = dir.resolve("agent.sock.start");
    try (LockFile held = LockFile.acquire(file, Duration.ZERO)) {
      assertNotNull(held);
      // A second channel in the same JVM sees the lock as an OverlappingFileLockException: the
      // case of another process is covered by the integration tests (InstanceLock, autostart).
      assertThrows(java.nio.channels.OverlappingFileLockException.class, () -> LockFile.acquire(file, Duration.ZERO));
    }
    try (LockFile again = LockFile.acquire(file, Duration.ZERO)) {
      assertNotNull(again);
    }
  }

  @Test
  void ioFailuresSayWhy() {
    // Defect 13: a read-only home said "could not be written or read: /home/u/.local/share/credagent/vault".
    String said = IoFailure.describe(new AccessDeniedException("/home/u/vault"));
    assertTrue(said.equals("/home/u/vault: Permission denied"), said);
  }
}
