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
 * another credential helper ({@code docker-credential-gcloud get}). Kept in the vault.
 *
 * @param argv the command, split into words when it was added (no shell runs it)
 * @param helper for a helper source, its name (argv is then {@code docker-credential-NAME get})
 * @param username for a command source, the username that goes with its output
 */
public record SourceDefinition(List<String> argv, String helper, String username, Duration ttl, Map<String, String> env) {
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  public static final Duration MIN_TTL = Duration.ofSeconds(10);
  public static final Duration MAX_TTL = Duration.ofDays(7);

  public SourceDefinition {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
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
    return new SourceDefinition(argv, null, username, ttl, env);
  }

  public static SourceDefinition helper(String name, Duration ttl, Map<String, String> env) {
    if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("a helper's name is the part after docker-credential-, e.g. gcloud");
    }
    return new SourceDefinition(List.of("docker-credential-" + name, "get"), name, null, ttl, env);
  }

  public boolean isHelper() {
    return helper != null;
  }

  /**
   * Null when the program this source runs is there to run (an absolute path, or a name on
   * {@code path}, the daemon's PATH); else what to tell whoever adds it: a warning, since it may be
   * installed later.
   */
  public String missingProgram(String path) {
    String program = argv.getFirst();
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
  public String describe() {
    return (isHelper() ? "helper " + helper
        : "exec " + String.join(" ", argv.stream().map(SourceDefinition::quoted).toList()) + " (username " + username + ")")
        + ", ttl " + ttl.toSeconds() + " s" + (env.isEmpty() ? "" : ", env " + String.join(",", env.keySet()));
  }

  private static String quoted(String word) {
    if (!word.isEmpty() && word.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,@%+".indexOf(c) >= 0)) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = SecretSafeJson.FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeArrayFieldStart("argv");
      for (String word : argv) {
        json.writeString(word);
      }
      json.writeEndArray();
      if (helper != null) {
        json.writeStringField("helper", helper);
      }
      if (username != null) {
        json.writeStringField("username", username);
      }
      json.writeNumberField("ttl", ttl.toSeconds());
      json.writeObjectFieldStart("env");
      for (Map.Entry<String, String> variable : env.entrySet()) {
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
    return new SourceDefinition(argv, helper, username, Duration.ofSeconds(ttl), env);
  }
}
