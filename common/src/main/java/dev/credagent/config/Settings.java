package dev.credagent.config;

/**
 * The settings as they are now, read where they are needed (an unlock reads them before it derives
 * the key, so that a file it cannot use refuses the unlock with the file, line and key, instead of
 * leaving a vault unlocked without its auto-lock).
 */
@FunctionalInterface
public interface Settings {
  AgentConfig current() throws ConfigException;
}
