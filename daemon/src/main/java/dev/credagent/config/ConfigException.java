package dev.credagent.config;

/** The config file cannot be used; the message names the file, the line and what to write instead. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
