package dev.credagent.daemon;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The config as it is in the file now: read again at each unlock, so an edit takes effect at the
 * next unlock without a restart. A file broken since the start refuses the unlock with its error
 * (file, line, key), which reaches the caller's terminal; {@code credagent config} and
 * {@code doctor} show it too.
 */
final class ConfigReloader implements Settings {
  private static final Logger LOG = Logger.getLogger(ConfigReloader.class.getName());

  private final Path file;
  private AgentConfig lastGood;
  /** The error last warned about (null: the file read well since): the sweep reads the file every second. */
  private String warned;

  ConfigReloader(Path file, AgentConfig initial) {
    this.file = file;
    this.lastGood = initial;
  }

  @Override
  public synchronized AgentConfig current() throws ConfigException {
    try {
      lastGood = AgentConfig.load(file);
      warned = null;
    } catch (ConfigException e) {
      if (!e.getMessage().equals(warned)) { // once per error, not once a second in daemon.log
        warned = e.getMessage();
        LOG.warning(e.getMessage() + "; the unlock is refused until it is fixed");
      }
      throw e;
    }
    return lastGood;
  }
}
