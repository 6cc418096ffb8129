package dev.credagent.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.JsonTrees;
import dev.credagent.source.SourceDefinition;
import dev.credagent.source.SourceFailedException;
import dev.credagent.source.SourceRunner;
import dev.credagent.vault.Credential;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Another credential helper ({@code docker-credential-NAME}) as a source: {@code list} for the
 * servers, then {@code get} for each, as docker itself would call it.
 */
public final class HelperSource {
  /** A helper may ask gpg-agent or a keychain for a passphrase: give it time, but not forever. */
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** No helper's answer is this long; more is an error, not a buffer that grows. */
  private static final int MAX_OUTPUT = 1 << 20;
  private HelperSource() {}

  public static Harvest harvest(String name) throws IOException, InterruptedException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IOException("'" + name + "' is not a helper name (docker-credential-NAME: pass, secretservice, osxkeychain...)");
    }
    String program = "docker-credential-" + name;
    Harvest harvest = new Harvest(program);
    JsonNode listed = JsonTrees.read(run(program, "list"));
    if (listed == null || !listed.isObject()) {
      throw new IOException(program + " list did not answer a JSON object of servers; nothing was imported");
    }
    // Each get as the daemon runs a helper source: bounded, and the secret never a String.
    SourceRunner runner = new SourceRunner(TIMEOUT);
    SourceDefinition helper = SourceDefinition.helper(name, SourceDefinition.DEFAULT_TTL, Map.of());
    for (Iterator<Map.Entry<String, JsonNode>> it = listed.fields(); it.hasNext();) {
      String server = it.next().getKey();
      try {
        Credential got = runner.run(server, helper);
        try {
          harvest.found().add(new Found(server, got.username(), got.secret().toChars()));
        } finally {
          got.secret().destroy();
        }
      } catch (SourceFailedException e) {
        harvest.skipped().add(new Skipped(server, e.getMessage()));
      }
    }
    return harvest;
  }

  private static byte[] run(String program, String verb) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(program, verb).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IOException(program + " is not on PATH (" + e.getMessage() + "); nothing was imported");
    }
    process.getOutputStream().close(); // list reads nothing
    // Read on another thread, so that a helper that hangs with its output open is still timed out.
    FutureTask<byte[]> reading = new FutureTask<>(() -> {
      try (InputStream from = process.getInputStream()) {
        return from.readNBytes(MAX_OUTPUT + 1);
      }
    });
    Thread.ofVirtual().start(reading);
    byte[] out;
    try {
      out = reading.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
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
