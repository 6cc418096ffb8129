package dev.credagent.config;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.SmallFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Every setting a user may change, in one record, read from {@code config.toml}: what is not
 * written there keeps its default.
 *
 * @param idleTtl lock the vault after this long without a credential being used; zero: never
 *     (gpg-agent's {@code default-cache-ttl})
 * @param maxTtl lock the vault this long after it was unlocked, however busy; zero: never
 *     (gpg-agent's {@code max-cache-ttl})
 * @param auditMaxBytes the audit log is rotated (four old files kept) when it grows past this
 * @param erasedTtl how long an erased credential is kept (encrypted in the vault, never served)
 *     for {@code credagent restore}; zero: an erase deletes at once
 * @param pinentry how a locked vault asks for its passphrase when a helper's get arrives from a
 *     terminal: "auto" (the first pinentry found), "off", or a pinentry program's path
 */
public record AgentConfig(Duration idleTtl, Duration maxTtl, long auditMaxBytes, Duration erasedTtl, String pinentry) {
  public static final Duration DEFAULT_ERASED_TTL = Duration.ofDays(7);
  public static final AgentConfig DEFAULTS =
      new AgentConfig(Duration.ofHours(1), Duration.ofHours(8), 4L << 20, DEFAULT_ERASED_TTL, "auto");

  /** The settings of before erased-ttl and pinentry, which keep their defaults. */
  public AgentConfig(Duration idleTtl, Duration maxTtl, long auditMaxBytes) {
    this(idleTtl, maxTtl, auditMaxBytes, DEFAULT_ERASED_TTL);
  }

  public AgentConfig(Duration idleTtl, Duration maxTtl, long auditMaxBytes, Duration erasedTtl) {
    this(idleTtl, maxTtl, auditMaxBytes, erasedTtl, "auto");
  }

  public static final String FILE_NAME = "config.toml";

  /** {@code $CREDAGENT_CONFIG}, else {@code $XDG_CONFIG_HOME/credagent/config.toml}, else {@code ~/.config/credagent/config.toml}. */
  public static Path file(Map<String, String> env) {
    String explicit = env.get("CREDAGENT_CONFIG");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit).toAbsolutePath();
    }
    return AgentPaths.configHome(env).resolve("credagent").resolve(FILE_NAME);
  }

  /** A config file is a few lines; anything larger is not one. */
  public static final long MAX_FILE_BYTES = 64 * 1024;

  /**
   * The settings in {@code file}; the defaults where it does not exist. Only a regular file of at
   * most {@link #MAX_FILE_BYTES} is read (a FIFO would block the read for good).
   */
  public static AgentConfig load(Path file) throws ConfigException {
    String text;
    try {
      if (Files.notExists(file)) {
        return DEFAULTS;
      }
      // decoded strictly, as Files.readString did: a file that is not UTF-8 is an error, not U+FFFD
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(SmallFile.read(file, MAX_FILE_BYTES, "config file"))).toString();
    } catch (NoSuchFileException absent) {
      return DEFAULTS;
    } catch (SmallFile.NotASmallFileException e) {
      throw new ConfigException(e.getMessage());
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
    return ConfigFile.parse(file.toString(), text);
  }

  /** This record as {@code config.toml} lines, to show or to start a file from. */
  public String toToml() {
    return "idle-ttl = \"" + Durations.format(idleTtl) + "\"\n"
        + "max-ttl = \"" + Durations.format(maxTtl) + "\"\n"
        + "audit-max-size = \"" + Sizes.format(auditMaxBytes) + "\"\n"
        + "erased-ttl = \"" + Durations.format(erasedTtl) + "\"\n"
        + "pinentry = \"" + pinentry + "\"\n";
  }
}
