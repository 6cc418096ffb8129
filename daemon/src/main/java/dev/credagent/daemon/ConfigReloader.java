package dev.credagent.daemon;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * The config as it is in the file now: an edit takes effect at the next unlock (or the next sweep
 * of erased credentials) without a restart. A file broken since the start refuses the unlock with
 * its error (file, line, key), which reaches the caller's terminal; {@code credagent config} and
 * {@code doctor} show it too.
 *
 * <p>The sweep asks every second and every store asks too, so the file is read and parsed again
 * only when its {@link ConfigStamp} changed, or when the answer kept was read while the file was
 * still settling (see there): a stat a second instead of a read and a parse.
 */
final class ConfigReloader implements Settings {
  private static final Logger LOG = Logger.getLogger(ConfigReloader.class.getName());

  /** How the file is read: {@link AgentConfig#load}; a test counts the reads. */
  @FunctionalInterface
  interface Loader {
    AgentConfig load(Path file) throws ConfigException;
  }

  private final Path file;
  private final Clock clock;
  private final Loader loader;
  private AgentConfig lastGood;
  /** The error of the last read, or null: kept, so that an unchanged broken file refuses without a read. */
  private String lastError;
  /** The error last warned about (null: the file read well since): said once, not once a second. */
  private String warned;
  /** The file as it was when last read; null: read it (never read, or read while it could still change unseen). */
  private ConfigStamp trusted;

  ConfigReloader(Path file, AgentConfig initial, Clock clock) {
    this(file, initial, clock, AgentConfig::load);
  }

  ConfigReloader(Path file, AgentConfig initial, Clock clock, Loader loader) {
    this.file = file;
    this.lastGood = initial;
    this.clock = clock;
    this.loader = loader;
  }

  @Override
  public synchronized AgentConfig current() throws ConfigException {
    // Stat before the read: an edit between the two leaves a stamp older than what was read, so the
    // next call reads again; the other order could keep an old text under a new stamp.
    ConfigStamp stamp = ConfigStamp.of(file);
    if (stamp != null && stamp.equals(trusted)) {
      if (lastError != null) {
        throw new ConfigException(lastError);
      }
      return lastGood;
    }
    trusted = stamp != null && stamp.settled(clock.instant()) ? stamp : null;
    try {
      lastGood = loader.load(file);
      lastError = null;
      warned = null;
    } catch (ConfigException e) {
      lastError = e.getMessage();
      if (!e.getMessage().equals(warned)) { // once per error, not once a second in daemon.log
        warned = e.getMessage();
        LOG.warning(e.getMessage() + "; the unlock is refused until it is fixed");
      }
      throw e;
    }
    return lastGood;
  }
}
