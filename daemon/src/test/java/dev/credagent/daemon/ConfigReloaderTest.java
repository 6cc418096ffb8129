package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon reads its config once a second now (the erased-ttl sweep): a broken file wrote one
 * warning a second to daemon.log for as long as it stayed broken. Said once per distinct error.
 */
class ConfigReloaderTest {
  @TempDir Path dir;

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
      ConfigReloader reloader = new ConfigReloader(file, AgentConfig.DEFAULTS);
      for (int tick = 0; tick < 5; tick++) {
        assertThrows(ConfigException.class, reloader::current, "still refused at each read");
      }
      assertEquals(1, warnings.size(), warnings.toString());
      Files.writeString(file, "erased-ttl = \"3s\"\n");
      assertEquals(java.time.Duration.ofSeconds(3), reloader.current().erasedTtl());
      Files.writeString(file, "erased-ttl = \"bogus\"\n");
      assertThrows(ConfigException.class, reloader::current);
      assertEquals(2, warnings.size(), "broken again after a fix: said again");
    } finally {
      log.removeHandler(capture);
    }
  }
}
