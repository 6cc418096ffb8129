package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Optional;

/**
 * What a command reads and writes, and how it reaches the daemon. {@link LocalSession}: this JVM's
 * own standard streams and terminal, and a connection to the daemon's socket. {@link
 * RelayedSession}: inside the daemon, what the native credagent relayed, and the daemon's request
 * handler called in-process for that caller. A command written against this runs the same either
 * way, which is what lets the native credagent relay it.
 */
public interface Session {
  InputStream in();

  PrintStream out();

  PrintStream err();

  /** The terminal to prompt on: none when relayed (a command that must prompt is handed back). */
  Optional<Console> terminal();

  /** The daemon's socket and home. */
  AgentPaths paths();

  /**
   * {@code request} with where a locked vault may ask for its passphrase (a get, a token): this
   * process's terminal and display, for the JVM CLI; as it is when relayed (the native credagent's
   * frame said where, and the daemon's own environment is not the requester's).
   */
  ClientRequest withPromptPlaces(ClientRequest request); // no default: a delegating session forgot it, and the JVM CLI sent none

  /** One request (closed once sent), starting the daemon first when nothing answers. */
  JsonNode call(ClientRequest request) throws IOException;

  /** One request to a running daemon: {@link dev.credagent.client.AgentUnavailableException} when none answers. */
  JsonNode callRunning(ClientRequest request) throws IOException;

  /**
   * The directory the command was started in (absolute), against which its relative paths are
   * read; null where unknown. A relayed command's is what the native credagent said (its header's
   * {@code cwd}), which the daemon also answers its requests by.
   */
  default String cwd() {
    return null;
  }
}
