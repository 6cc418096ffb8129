package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import picocli.CommandLine.Option;

/** {@code --insecure}, for the commands that talk to a registry (login, token). */
final class InsecureOption {
  @Option(names = "--insecure", description = "Plain http, as for a registry docker lists in insecure-registries.")
  boolean insecure;

  ClientRequest applyTo(ClientRequest request) {
    return insecure ? request.with("insecure", "true") : request;
  }
}
