package dev.credagent.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Another credential helper ({@code docker-credential-NAME}) as a source: {@code list} for the
 * servers, then {@code get} for each, as docker itself would call it.
 */
public final class HelperSource {
  /** A helper may ask gpg-agent or a keychain for a passphrase: give it time, but not forever. */
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** No helper's answer is this long; more is an error, not a buffer that grows. */
  private static final int MAX_OUTPUT = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private HelperSource() {}

  public static Harvest harvest(String name) throws IOException, InterruptedException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IOException("'" + name + "' is not a helper name (docker-credential-NAME: pass, secretservice, osxkeychain...)");
    }
    String program = "docker-credential-" + name;
    Harvest harvest = new Harvest(program);
    JsonNode listed = JSON.readTree(run(program, "list", ""));
    if (listed == null || !listed.isObject()) {
      throw new IOException(program + " list did not answer a JSON object of servers; nothing was imported");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = listed.fields(); it.hasNext();) {
      String server = it.next().getKey();
      try {
        JsonNode got = JSON.readTree(run(program, "get", server));
        String secret = got.path("Secret").asText("");
        if (secret.isEmpty()) {
          harvest.skipped().add(new Skipped(server, program + " get answered no secret"));
        } else {
          harvest.found().add(new Found(server, got.path("Username").asText(""), secret.toCharArray()));
        }
      } catch (IOException e) {
        harvest.skipped().add(new Skipped(server, e.getMessage()));
      }
    }
    return harvest;
  }

  private static byte[] run(String program, String verb, String stdin) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(program, verb).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IOException(program + " is not on PATH (" + e.getMessage() + "); nothing was imported");
    }
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    // Read on another thread, so that a helper that hangs with its output open is still timed out.
    java.util.concurrent.FutureTask<byte[]> reading = new java.util.concurrent.FutureTask<>(() -> {
      try (InputStream from = process.getInputStream()) {
        return from.readNBytes(MAX_OUTPUT + 1);
      }
    });
    Thread.ofVirtual().start(reading);
    byte[] out;
    try {
      out = reading.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      out = null;
    }
    if (out == null || process.isAlive()) {
      process.destroyForcibly();
      throw new IOException(program + " " + verb + " did not finish within " + TIMEOUT.toSeconds() + " s");
    }
    if (out.length > MAX_OUTPUT) {
      throw new IOException(program + " " + verb + " answered more than " + MAX_OUTPUT + " bytes");
    }
    if (process.exitValue() != 0) {
      // Its output is an error message, which may quote what it was given: not echoed.
      throw new IOException(program + " " + verb + " exited with " + process.exitValue());
    }
    return out;
  }
}
