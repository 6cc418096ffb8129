package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import picocli.CommandLine.Option;

/**
 * {@code --profile NAME}: the profile a command acts in, over CREDAGENT_PROFILE and the working
 * directory (which the session sends with every request; see {@link Session#place}). The daemon
 * refuses a name it does not know, naming those it does.
 */
final class ProfileOption {
  @Option(names = "--profile", paramLabel = "NAME",
      description = "Act in profile NAME instead of the one this directory (or CREDAGENT_PROFILE) selects.")
  String name;

  /** {@code request}, naming the profile where one was given. */
  ClientRequest on(ClientRequest request) {
    return name == null ? request : request.with("profile", name);
  }
}
