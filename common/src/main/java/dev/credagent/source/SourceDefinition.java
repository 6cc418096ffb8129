package dev.credagent.source;

import dev.credagent.process.ProcessGroup;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.credagent.vault.SecretSafeJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the secret for a registry comes from when credagent does not hold it: a command whose
 * output is the password ({@code aws ecr get-login-password} with username {@code AWS}), or
 * another credential helper ({@code docker-credential-gcloud get}). Kept in the vault. Sealed: a
 * new kind of source is one more record here, and every switch over the kinds (the runner, {@code
 * describe}, the stored form) fails to compile until it says what the new one does.
 */
public sealed interface SourceDefinition permits SourceDefinition.Exec, SourceDefinition.Helper {
  Duration DEFAULT_TTL = Duration.ofHours(1);
  Duration MIN_TTL = Duration.ofSeconds(10);
  Duration MAX_TTL = Duration.ofDays(7);

  /** The command, split into words when it was added (no shell runs it). */
  List<String> argv();

  /** How long its answer is kept. */
  Duration ttl();

  /** What its environment gets beside the daemon's. */
  Map<String, String> env();

  /**
   * A command whose output is the password.
   *
   * @param username the username that goes with its output
   */
  record Exec(List<String> argv, String username, Duration ttl, Map<String, String> env) implements SourceDefinition {
    public Exec {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
      check(argv, ttl);
    }
  }

  /**
   * Another credential helper, asked {@code get} with the registry on its standard input.
   *
   * @param name its name (argv is then {@code docker-credential-NAME get})
   */
  record Helper(String name, List<String> argv, Duration ttl, Map<String, String> env) implements SourceDefinition {
    public Helper {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
      check(argv, ttl);
    }
  }

  private static void check(List<String> argv, Duration ttl) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a source needs a command");
    }
    if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("a source's ttl must be " + MIN_TTL.toSeconds() + " s to " + MAX_TTL.toDays() + " days");
    }
  }

  public static SourceDefinition exec(String command, String username, Duration ttl, Map<String, String> env) {
    if (username == null || username.isEmpty()) {
      throw new IllegalArgumentException("a command source needs --username (AWS for ECR, oauth2accesstoken for gcloud)");
    }
    List<String> argv = Words.split(command);
    if (!argv.isEmpty() && argv.getFirst().contains("/") && !argv.getFirst().startsWith("/")) {
      // The daemon runs in its home, not in the caller's directory: ./pw.sh would be $CREDAGENT_HOME/pw.sh.
      throw new IllegalArgumentException("the program " + argv.getFirst() + " is a relative path, which the daemon"
          + " would look for in its own directory, not yours: give its absolute path (e.g. \"$PWD/"
          + argv.getFirst().replaceFirst("^\\./", "") + "\"), or a name on PATH");
    }
    return new Exec(argv, username, ttl, env);
  }

  public static SourceDefinition helper(String name, Duration ttl, Map<String, String> env) {
    if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("a helper's name is the part after docker-credential-, e.g. gcloud");
    }
    return new Helper(name, List.of("docker-credential-" + name, "get"), ttl, env);
  }

  /**
   * Null when the program this source runs is there to run (an absolute path, or a name on
   * {@code path}, the daemon's PATH); else what to tell whoever adds it: a warning, since it may be
   * installed later.
   */
  default String missingProgram(String path) {
    String program = argv().getFirst();
    if (ProcessGroup.resolve(program, path).isPresent()) {
      return null;
    }
    return program + (program.contains("/") ? " is not an executable file" : " is not on the daemon's PATH ("
        + path + ")") + ": the source will fail until it is there";
  }

  /**
   * How `source list` shows it: the command as a shell would take it back (a word with a space or
   * a quote is quoted, so {@code sh -c 'echo pw'} reads as it was given); never the environment's values.
   */
  default String describe() {
    return switch (this) {
      case Helper helper -> "helper " + helper.name();
      case Exec exec -> "exec " + String.join(" ", exec.argv().stream().map(SourceDefinition::quoted).toList())
          + " (username " + exec.username() + ")";
    } + ", ttl " + ttl().toSeconds() + " s" + (env().isEmpty() ? "" : ", env " + String.join(",", env().keySet()));
  }

  private static String quoted(String word) {
    if (!word.isEmpty() && word.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,@%+".indexOf(c) >= 0)) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  default String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = SecretSafeJson.FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeArrayFieldStart("argv");
      for (String word : argv()) {
        json.writeString(word);
      }
      json.writeEndArray();
      switch (this) {
        case Helper helper -> json.writeStringField("helper", helper.name());
        case Exec exec -> {
          if (exec.username() != null) {
            json.writeStringField("username", exec.username());
          }
        }
      }
      json.writeNumberField("ttl", ttl().toSeconds());
      json.writeObjectFieldStart("env");
      for (Map.Entry<String, String> variable : env().entrySet()) {
        json.writeStringField(variable.getKey(), variable.getValue());
      }
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory cannot fail", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static SourceDefinition decode(String text) throws IOException {
    List<String> argv = new ArrayList<>();
    String helper = null;
    String username = null;
    long ttl = DEFAULT_TTL.toSeconds();
    Map<String, String> env = new LinkedHashMap<>();
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(text)) {
      json.nextToken();
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        json.nextToken();
        switch (field) {
          case "argv" -> {
            while (json.nextToken() == JsonToken.VALUE_STRING) {
              argv.add(json.getText());
            }
          }
          case "helper" -> helper = json.getText();
          case "username" -> username = json.getText();
          case "ttl" -> ttl = json.getLongValue();
          case "env" -> {
            while (json.nextToken() == JsonToken.FIELD_NAME) {
              String name = json.currentName();
              json.nextToken();
              env.put(name, json.getText());
            }
          }
          default -> json.skipChildren();
        }
      }
    }
    return helper != null ? new Helper(helper, argv, Duration.ofSeconds(ttl), env)
        : new Exec(argv, username, Duration.ofSeconds(ttl), env);
  }
}
