package dev.credagent.config;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;

/** The config file cannot be used; the message names the file, the line and what to write instead. */
public final class ConfigException extends Exception implements AgentFailure {
  @Override
  public ErrorCode code() {
    return ErrorCode.INTERNAL;
  }

  public ConfigException(String message) {
    super(message);
  }
}
