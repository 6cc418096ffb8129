package dev.credagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  @TempDir Path dir;

  @Test
  void readsTheKeysAndKeepsDefaultsForTheRest() throws Exception {
    AgentConfig config = ConfigFile.parse("c", """
        # lock sooner
        idle-ttl = "15m"   # a comment after a value
        max-ttl = 0
        """);
    assertEquals(new AgentConfig(Duration.ofMinutes(15), Duration.ZERO, AgentConfig.DEFAULTS.auditMaxBytes()), config);
  }

  @Test
  void aFifoOrAHugeFileIsRefusedNotReadForever() throws Exception {
    java.nio.file.Path fifo = dir.resolve("fifo.toml");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> AgentConfig.load(fifo));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    java.nio.file.Path huge = java.nio.file.Files.writeString(dir.resolve("huge.toml"), "#".repeat(100_000));
    org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> AgentConfig.load(huge));
  }

  @Test
  void anAbsentFileIsTheDefaults() throws Exception {
    assertEquals(AgentConfig.DEFAULTS, AgentConfig.load(dir.resolve("config.toml")));
  }

  @Test
  void whatItWritesItReadsBack() throws Exception {
    AgentConfig config = new AgentConfig(Duration.ofMinutes(90), Duration.ofDays(1), 8L << 20);
    assertEquals(config, ConfigFile.parse("c", config.toToml()));
  }

  @Test
  void errorsNameTheFileTheLineAndTheFix() {
    assertEquals("c line 2: unknown key 'idle_ttl'; the keys are idle-ttl, max-ttl, audit-max-size, erased-ttl, pinentry",
        message("\nidle_ttl = \"1h\"\n"));
    assertEquals("c line 1: idle-ttl: 'soon' is not a duration (90s, 30m, 12h, 1d, or 0 for never)",
        message("idle-ttl = \"soon\""));
    assertEquals("c line 3: 'max-ttl' is set twice", message("max-ttl = \"1h\"\n\nmax-ttl = \"2h\""));
    assertEquals("c line 1: expected key = \"value\" (for example idle-ttl = \"1h\")", message("[agent]"));
    assertEquals("c line 1: audit-max-size: at least 4KiB, so that a line fits", message("audit-max-size = \"1KiB\""));
  }

  @Test
  void theFileIsFoundWhereXdgSays() {
    assertEquals(Path.of("/x/credagent/config.toml"), AgentConfig.file(Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")));
    assertEquals(Path.of("/h/.config/credagent/config.toml"), AgentConfig.file(Map.of("HOME", "/h")));
    assertEquals(Path.of("/c.toml"), AgentConfig.file(Map.of("CREDAGENT_CONFIG", "/c.toml", "HOME", "/h")));
  }

  @Test
  void anUnreadableFileIsAnErrorNotTheDefaults() throws Exception {
    Path file = Files.createDirectory(dir.resolve("config.toml")); // a directory where the file should be
    assertThrows(ConfigException.class, () -> AgentConfig.load(file));
  }

  private static String message(String text) {
    return assertThrows(ConfigException.class, () -> ConfigFile.parse("c", text)).getMessage();
  }
}
