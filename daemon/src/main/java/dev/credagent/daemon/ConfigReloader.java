package dev.credagent.daemon;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The config as it is in the file now: read again at each unlock, so an edit takes effect at the
 * next unlock without a restart. A file broken since the start keeps the last good settings and
 * says so in the log; {@code credagent config} and {@code doctor} show the error.
 */
final class ConfigReloader implements Supplier<AgentConfig> {
  private static final Logger LOG = Logger.getLogger(ConfigReloader.class.getName());

  private final Path file;
  private AgentConfig lastGood;

  ConfigReloader(Path file, AgentConfig initial) {
    this.file = file;
    this.lastGood = initial;
  }

  @Override
  public synchronized AgentConfig get() {
    try {
      lastGood = AgentConfig.load(file);
    } catch (ConfigException e) {
      LOG.warning(e.getMessage() + "; keeping the settings read before");
    }
    return lastGood;
  }
}
