package dev.credagent.cli;

import dev.credagent.files.AgentPaths;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.CommandRelayProvider;
import dev.credagent.transport.RequestHandler;

/**
 * What the daemon loads through {@link java.util.ServiceLoader} (META-INF/services) to run the
 * native credagent's command lines in this command tree. Loading it loads neither picocli nor the
 * tree: {@link RelayedCommands} makes one at the first relayed command.
 */
public final class RelayedCommandsProvider implements CommandRelayProvider {
  @Override
  public CommandRelay relay(RequestHandler requests, AgentPaths paths) {
    return new RelayedCommands(requests, paths);
  }
}
