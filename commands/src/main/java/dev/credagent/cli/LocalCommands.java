package dev.credagent.cli;

import java.util.List;

/**
 * The commands that run in the user's own process, never in the daemon (setup, doctor, import,
 * log, config, start, stop, daemon), and the JVM CLI's session: client-cli's module, which this
 * one finds through {@link java.util.ServiceLoader} (META-INF/services) rather than compiling
 * against it. The daemon loads this command tree to run what the native credagent relays; with
 * client-cli beside it (as in every installation) its tree holds these too, so that the same parse
 * hands them back and {@code --help} lists them.
 */
public interface LocalCommands {
  /** Their classes, in the order {@code credagent --help} lists them, after the relayed ones. */
  List<Class<?>> commands();

  /** The JVM CLI's session: this process's streams and terminal, the daemon over its socket. */
  Session session();
}
