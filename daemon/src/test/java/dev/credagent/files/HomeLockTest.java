package dev.credagent.files;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One daemon per vault home, whatever happens to daemon.lock's directory entry. */
class HomeLockTest {
  @TempDir Path home;

  @Test
  void aSecondHolderIsRefusedEvenOnceDaemonLockWasDeletedOrReplaced() throws Exception {
    try (HomeLock first = HomeLock.acquire(home, Path.of("/run/a/agent.sock"), Duration.ZERO)) {
      assertThrows(HomeLock.HomeInUseException.class, () -> HomeLock.acquire(home, Path.of("/run/b/agent.sock"), Duration.ZERO));
      // Found by the adversarial pass: with the file gone, a second daemon locked a new one and
      // both wrote the vault; the store acknowledged by one was lost.
      Files.delete(home.resolve(HomeLock.FILE_NAME));
      assertThrows(HomeLock.HomeInUseException.class, () -> HomeLock.acquire(home, Path.of("/run/b/agent.sock"), Duration.ZERO));
      Files.writeString(home.resolve(HomeLock.FILE_NAME), "1\n/run/b/agent.sock\n");
      assertThrows(HomeLock.HomeInUseException.class, () -> HomeLock.acquire(home, Path.of("/run/b/agent.sock"), Duration.ZERO));
    }
    try (HomeLock next = HomeLock.acquire(home, Path.of("/run/b/agent.sock"), Duration.ofSeconds(1))) {
      assertTrue(Files.readString(home.resolve(HomeLock.FILE_NAME)).endsWith("/run/b/agent.sock\n"), "the next daemon once the first let go");
    }
  }
}
