package dev.credagent.doctor;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The settings file: readable and valid, or the defaults where there is none. */
public record ConfigCheck(Path file) implements Check {
  @Override
  public List<Finding> run() {
    try {
      AgentConfig config = AgentConfig.load(file);
      return List.of(Finding.ok("config: " + (Files.exists(file) ? file.toString() : "defaults") + " (idle-ttl "
          + Durations.format(config.idleTtl()) + ", max-ttl " + Durations.format(config.maxTtl()) + ")"));
    } catch (ConfigException e) {
      return List.of(Finding.fault("config: " + e.getMessage()));
    }
  }
}
