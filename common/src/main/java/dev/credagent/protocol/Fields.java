package dev.credagent.protocol;

import dev.credagent.config.Durations;
import dev.credagent.failure.ErrorCode;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.registry.RegistryReference;
import dev.credagent.source.SourceDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's fields read as the values they name: each reader checks its field and answers
 * {@link ErrorCode#BAD_REQUEST} with what a valid one looks like. The codec calls these and
 * nothing else to read a request; the service gets typed values, never a field's text to parse.
 */
public final class Fields {
  private Fields() {}

  /**
   * The optional fields where a locked get or token may ask for the passphrase (protocol 1, as
   * the native frames' header attributes): the requester's terminal and display environment.
   */
  public static final List<String> PROMPT_PLACES = List.of("tty", "display", "wayland_display", "xauthority", "session_type", "dbus");

  /** {@code fields} and the prompt places: an op's optional fields. */
  static List<String> withPromptPlaces(String... fields) {
    List<String> all = new java.util.ArrayList<>(List.of(fields));
    all.addAll(PROMPT_PLACES);
    return List.copyOf(all);
  }

  /** {@code "true"} or not there (or anything else): false. */
  public static boolean flag(Request request, String name) {
    return "true".equals(request.optional(name, "false"));
  }

  /** A duration like 90s, 30m, 12h, 1d; {@code otherwise} where the field is not there. */
  public static Duration duration(Request request, String name, Duration otherwise) throws ProtocolException {
    try {
      return Durations.parse(request.optional(name, ""), otherwise);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /** {@code registry}, parsed once, as a reference (a repository's path kept). */
  public static RegistryReference reference(Request request) {
    return RegistryReference.parse(request.optional("registry", ""));
  }

  /** The registry {@code reference} names, reached over plain http where {@code insecure} says so. */
  public static RegistryAddress registry(RegistryReference reference, Request request) throws ProtocolException {
    try {
      return RegistryAddress.of(reference, flag(request, "insecure"));
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /** A token's scopes: {@code scope}, space-separated. */
  public static List<String> scopes(Request request) {
    return Arrays.stream(request.optional("scope", "").split(" ")).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * The key to store under: {@code server} as given, or, with {@code "pattern": "true"}, the
   * pattern it is ({@link RegistryPattern}: checked, in lower case).
   */
  public static String key(Request request, String server) throws ProtocolException {
    return flag(request, "pattern") ? pattern(server) : server;
  }

  /** {@code text} as a registry pattern's canonical text. */
  public static String pattern(String text) throws ProtocolException {
    try {
      return RegistryPattern.parse(text).text();
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /** A field that must be there and not empty. */
  public static String nonEmpty(Request request, String name) throws ProtocolException {
    String value = request.require(name);
    if (value.isEmpty()) {
      throw bad("'" + name + "' must not be empty");
    }
    return value;
  }

  /** {@code exec} (a command line, split here) or {@code helper}; {@code ttl}; {@code env} K=V lines. */
  public static SourceDefinition source(Request request) throws ProtocolException {
    String exec = request.optional("exec", "");
    String helper = request.optional("helper", "");
    Duration ttl = duration(request, "ttl", SourceDefinition.DEFAULT_TTL);
    try {
      Map<String, String> env = new LinkedHashMap<>();
      for (String line : request.optional("env", "").split("\n")) {
        if (!line.isBlank()) {
          int equals = line.indexOf('=');
          if (equals <= 0) {
            throw new IllegalArgumentException("an environment entry is NAME=VALUE");
          }
          env.put(line.substring(0, equals), line.substring(equals + 1));
        }
      }
      if (exec.isEmpty() == helper.isEmpty()) {
        throw new IllegalArgumentException("a source is either an exec command or a helper");
      }
      return exec.isEmpty() ? SourceDefinition.helper(helper, ttl, env)
          : SourceDefinition.exec(exec, request.optional("username", ""), ttl, env);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  /** {@code slot}: passphrase, login or recovery; null where the field is not there. */
  public static String slot(Request request) throws ProtocolException {
    String slot = request.optional("slot", "");
    if (!slot.isEmpty() && !List.of("passphrase", "login", "recovery").contains(slot)) {
      throw bad("'slot' is passphrase, login or recovery");
    }
    return slot.isEmpty() ? null : slot;
  }

  /** {@code index}: a key slot's number. */
  public static int slotIndex(Request request) throws ProtocolException {
    try {
      return Integer.parseInt(request.require("index"));
    } catch (NumberFormatException e) {
      throw bad("'index' is a key slot's number (credagent keyslot list)");
    }
  }

  /** {@code socket}: an absolute path, or null for a new one beside the daemon's. */
  public static Path shareSocket(Request request) throws ProtocolException {
    String socket = request.optional("socket", "");
    if (!socket.isEmpty() && !Path.of(socket).isAbsolute()) {
      // Relative to whom? The daemon's directory is not the caller's.
      throw bad("the share's socket must be an absolute path, not " + socket);
    }
    return socket.isEmpty() ? null : Path.of(socket);
  }

  /** {@code registries}: newline-separated patterns; none (every registry) where the field is not there. */
  public static List<String> sharePatterns(Request request) throws ProtocolException {
    String registries = request.optional("registries", null);
    List<String> patterns = registries == null ? List.of() : Arrays.stream(registries.split("\n", -1)).map(String::strip).toList();
    if (patterns.contains("")) {
      // A blank pattern must not read as none: that would be a share for every registry.
      throw bad("a share's registry pattern must not be blank; leave 'registries' out to share every registry");
    }
    return patterns;
  }

  private static ProtocolException bad(String why) {
    return new ProtocolException(ErrorCode.BAD_REQUEST, why);
  }
}
