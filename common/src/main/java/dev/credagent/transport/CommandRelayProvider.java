package dev.credagent.transport;

import dev.credagent.files.AgentPaths;

/**
 * Where the daemon finds the command tree the native credagent's command lines run in: a module
 * of its own, which the daemon loads through {@link java.util.ServiceLoader} (META-INF/services)
 * rather than compiling against it, so that the daemon builds and runs without it. Without one
 * on the class path, every command line is handed back to the JVM CLI.
 */
public interface CommandRelayProvider {
  /** The relay for one daemon: its commands call {@code requests} in-process, on {@code paths}. */
  CommandRelay relay(RequestHandler requests, AgentPaths paths);
}
