package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.service.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon asks for its config once a second (the erased-ttl sweep) and at every store. It read
 * and parsed the file each time; now it reads it when a stat says it changed, and an edit is still
 * seen at the next ask, however it was made.
 */
class ConfigReloaderTest {
  private static final Duration SETTLED = ConfigStamp.SETTLING.plusSeconds(1);

  @TempDir Path dir;

  private final TestClock clock = new TestClock();
  private final AtomicInteger reads = new AtomicInteger();

  private ConfigReloader reloader(Path file) {
    return new ConfigReloader(file, AgentConfig.DEFAULTS, clock, f -> {
      reads.incrementAndGet();
      return AgentConfig.load(f);
    });
  }

  /** The test clock at the file's last change plus {@code after}. */
  private void at(Path file, Duration after) {
    ConfigStamp stamp = ConfigStamp.of(file);
    assertNotNull(stamp, "a stat of " + file);
    Instant changed = stamp.changed().toInstant().isAfter(stamp.modified().toInstant())
        ? stamp.changed().toInstant() : stamp.modified().toInstant();
    clock.advance(Duration.between(clock.instant(), changed.plus(after)));
  }

  @Test
  void anUnchangedFileIsReadOnceNotAtEveryAsk() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "erased-ttl = \"3s\"\n");
    at(file, SETTLED);
    ConfigReloader reloader = reloader(file);
    for (int tick = 0; tick < 100; tick++) {
      assertEquals(Duration.ofSeconds(3), reloader.current().erasedTtl());
    }
    assertEquals(1, reads.get(), "a hundred asks of a file that did not change");
  }

  @Test
  void whatWasReadWhileTheFileCouldStillChangeUnseenIsReadAgain() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "erased-ttl = \"3s\"\n");
    at(file, Duration.ofSeconds(1)); // a second write now could leave the very same stamp
    ConfigReloader reloader = reloader(file);
    for (int tick = 0; tick < 3; tick++) {
      reloader.current();
    }
    assertEquals(3, reads.get(), "the stamp is the same, but it may hide a second edit: read each time");
    at(file, SETTLED);
    reloader.current();
    reloader.current();
    assertEquals(4, reads.get(), "read once more when settled, then kept");
  }

  @Test
  void twoEditsOfEqualSizeWithinOneTickAreBothSeen() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "idle-ttl = \"1h\"\n");
    FileTime first = Files.getLastModifiedTime(file);
    at(file, Duration.ZERO);
    ConfigReloader reloader = reloader(file);
    assertEquals(Duration.ofHours(1), reloader.current().idleTtl());
    Files.writeString(file, "idle-ttl = \"2h\"\n"); // the same size, and the same mtime as on a coarse clock
    Files.setLastModifiedTime(file, first);
    at(file, SETTLED);
    assertEquals(Duration.ofHours(2), reloader.current().idleTtl());
  }

  @Test
  void anEditWhoseMtimeWasPutBackIsSeenByItsChangeTime() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "idle-ttl = \"1h\"\n");
    ConfigStamp before = ConfigStamp.of(file);
    at(file, SETTLED);
    ConfigReloader reloader = reloader(file);
    assertEquals(Duration.ofHours(1), reloader.current().idleTtl());
    // As `cp -p` or `touch -r` leave it: other bytes, the same size and mtime. The file system's
    // clock ticks coarsely: write until its change time moved (bounded: a tick is milliseconds).
    for (int write = 0; write < 1_000_000 && ConfigStamp.of(file).changed().equals(before.changed()); write++) {
      Files.writeString(file, "idle-ttl = \"2h\"\n");
      Files.setLastModifiedTime(file, before.modified());
    }
    ConfigStamp after = ConfigStamp.of(file);
    assertEquals(before.size(), after.size());
    assertEquals(before.modified(), after.modified());
    at(file, SETTLED);
    assertEquals(Duration.ofHours(2), reloader.current().idleTtl(), "the ctime moved: " + before + " " + after);
  }

  @Test
  void aFileRenamedOverTheOldOneIsSeen() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "idle-ttl = \"1h\"\n");
    at(file, SETTLED);
    ConfigReloader reloader = reloader(file);
    assertEquals(Duration.ofHours(1), reloader.current().idleTtl());
    Path next = dir.resolve("config.toml.new"); // as an editor saves: a new file, renamed over
    Files.writeString(next, "idle-ttl = \"2h\"\n");
    Files.setLastModifiedTime(next, Files.getLastModifiedTime(file));
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    at(file, SETTLED);
    assertEquals(Duration.ofHours(2), reloader.current().idleTtl());
  }

  @Test
  void aFileThatComesAndGoesIsSeenEachTime() throws Exception {
    Path file = dir.resolve("config.toml");
    clock.advance(Duration.between(clock.instant(), Instant.now()));
    ConfigReloader reloader = reloader(file);
    assertEquals(AgentConfig.DEFAULTS, reloader.current());
    assertEquals(AgentConfig.DEFAULTS, reloader.current());
    assertEquals(1, reads.get(), "no file: the defaults, asked once");
    Files.writeString(file, "idle-ttl = \"2h\"\n");
    at(file, SETTLED);
    assertEquals(Duration.ofHours(2), reloader.current().idleTtl());
    Files.delete(file);
    assertEquals(AgentConfig.DEFAULTS, reloader.current());
  }

  @Test
  void aBrokenFileIsWarnedAboutOnceNotAtEveryRead() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "erased-ttl = \"bogus\"\n");
    List<String> warnings = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        warnings.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger(ConfigReloader.class.getName());
    log.addHandler(capture);
    try {
      ConfigReloader reloader = new ConfigReloader(file, AgentConfig.DEFAULTS, Clock.systemUTC());
      for (int tick = 0; tick < 5; tick++) {
        assertThrows(ConfigException.class, reloader::current, "still refused at each read");
      }
      assertEquals(1, warnings.size(), warnings.toString());
      Files.writeString(file, "erased-ttl = \"3s\"\n");
      assertEquals(Duration.ofSeconds(3), reloader.current().erasedTtl());
      Files.writeString(file, "erased-ttl = \"bogus\"\n");
      assertThrows(ConfigException.class, reloader::current);
      assertEquals(2, warnings.size(), "broken again after a fix: said again");
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void anUnchangedBrokenFileStillRefusesWithItsErrorWithoutARead() throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "erased-ttl = \"bogus\"\n");
    at(file, SETTLED);
    ConfigReloader reloader = reloader(file);
    String first = assertThrows(ConfigException.class, reloader::current).getMessage();
    for (int tick = 0; tick < 5; tick++) {
      assertEquals(first, assertThrows(ConfigException.class, reloader::current).getMessage());
    }
    assertEquals(1, reads.get());
  }
}
