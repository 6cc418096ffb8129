package dev.credagent.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.cli.Session;
import dev.credagent.client.AgentClient;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Optional;

/** A command run by the JVM CLI: this process's streams and terminal, the daemon over its socket. */
public final class LocalSession implements Session {
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

  /** Fields of protocol 1 (docs/protocol.md): the native relays' header attributes, for the JVM CLI. */
  @Override
  public ClientRequest withPromptPlaces(ClientRequest request) {
    controllingTerminal().ifPresent(tty -> request.with("tty", tty));
    String[][] variables = {{"DISPLAY", "display"}, {"WAYLAND_DISPLAY", "wayland_display"}, {"XAUTHORITY", "xauthority"},
        {"XDG_SESSION_TYPE", "session_type"}, {"DBUS_SESSION_BUS_ADDRESS", "dbus"}};
    for (String[] variable : variables) {
      String value = System.getenv(variable[0]);
      if (value != null && !value.isEmpty() && value.length() <= 4096 && value.chars().noneMatch(c -> c < 0x20 || c == 0x7f)) {
        request.with(variable[1], value);
      }
    }
    return request;
  }

  /**
   * This process's controlling terminal, from /proc/self/stat's tty_nr as the C relays find it
   * (System.console() says whether there is one, never which); empty where none or no /proc.
   */
  static Optional<String> controllingTerminal() {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      int tty = Integer.parseInt(fields[4]); // state ppid pgrp session tty_nr
      int major = (tty >> 8) & 0xfff;
      int minor = (tty & 0xff) | ((tty >> 12) & 0xfff00);
      String path = major >= 136 && major <= 143 ? "/dev/pts/" + ((major - 136) * 256 + minor)
          : major == 4 && minor < 64 && tty != 0 ? "/dev/tty" + minor : null;
      return Optional.ofNullable(path).filter(p -> java.nio.file.Files.exists(java.nio.file.Path.of(p)));
    } catch (java.io.IOException | RuntimeException none) {
      return Optional.empty();
    }
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
