package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Optional;

/** A command run by the JVM CLI: this process's streams and terminal, the daemon over its socket. */
final class LocalSession implements Session {
  @Override
  public InputStream in() {
    return System.in;
  }

  @Override
  public PrintStream out() {
    return System.out;
  }

  @Override
  public PrintStream err() {
    return System.err;
  }

  @Override
  public Optional<Console> terminal() {
    return Optional.ofNullable(System.console()).filter(Console::isTerminal);
  }

  @Override
  public AgentPaths paths() {
    return Agent.paths();
  }

  @Override
  public JsonNode call(ClientRequest request) throws IOException {
    return Agent.call(request.at(cwd(), System.getenv("CREDAGENT_PROFILE")));
  }

  @Override
  public JsonNode callRunning(ClientRequest request) throws IOException {
    try (request; AgentClient client = AgentClient.connect(paths())) {
      return client.call(request.at(cwd(), System.getenv("CREDAGENT_PROFILE")));
    }
  }

  /** The JVM's working directory: getcwd(3) at its start, which nothing here changes. */
  @Override
  public String cwd() {
    return System.getProperty("user.dir");
  }
}
