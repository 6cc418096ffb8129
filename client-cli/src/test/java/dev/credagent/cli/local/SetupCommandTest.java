package dev.credagent.cli.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.cli.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * setup and --undo over a real config.json in a temporary DOCKER_CONFIG, with no service manager
 * and no podman: what they print and what they write. Runs with no daemon, so its config holds
 * no plaintext a real setup would import (SetupIT does that part with the real CLI and daemon).
 */
class SetupCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private Map<String, String> env() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    return Map.of("HOME", dir.toString(), "DOCKER_CONFIG", dir.resolve("docker").toString(),
        "CREDAGENT_HOME", dir.resolve("home").toString(), "CREDAGENT_SOCKET", dir.resolve("run/agent.sock").toString());
  }

  private String run(Map<String, String> env, String... flags) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    SetupCommand setup = new SetupCommand(env, new PrintStream(printed, true, StandardCharsets.UTF_8));
    setup.noService = true;
    setup.containers = false;
    for (String flag : flags) {
      switch (flag) {
        case "--dry-run" -> setup.dryRun = true;
        case "--undo" -> setup.undo = true;
        default -> throw new IllegalArgumentException(flag);
      }
    }
    assertEquals(ExitCode.OK, setup.call());
    return printed.toString(StandardCharsets.UTF_8);
  }

  private Path config() {
    return dir.resolve("docker/config.json");
  }

  @Test
  void setupPointsDockerAtCredagentKeepsEveryOtherKeyAndUndoPutsThePreviousStoreBack() throws Exception {
    Map<String, String> env = env();
    Files.writeString(config(), "{\"credsStore\":\"desktop\",\"proxies\":{\"default\":{\"httpProxy\":\"http://p:3128\"}}}");

    String said = run(env);
    assertTrue(said.contains("set \"credsStore\": \"agent\" in " + config() + " (it was \"desktop\")"), said);
    JsonNode after = JSON.readTree(config().toFile());
    assertEquals("agent", after.path("credsStore").asText());
    assertEquals("http://p:3128", after.path("proxies").path("default").path("httpProxy").asText());
    try (Stream<Path> files = Files.list(config().getParent())) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("config.json.credagent-backup")), "a backup");
    }

    assertEquals("nothing to do: docker already uses credagent\n", run(env), "a second run changes nothing");

    String undone = run(env, "--undo");
    assertTrue(undone.contains("set \"credsStore\" back to \"desktop\""), undone);
    JsonNode restored = JSON.readTree(config().toFile());
    assertEquals("desktop", restored.path("credsStore").asText());
    assertEquals("http://p:3128", restored.path("proxies").path("default").path("httpProxy").asText());
  }

  @Test
  void aDryRunSaysWhatItWouldDoAndWritesNothingAndNamesNoSecret() throws Exception {
    Map<String, String> env = env();
    String secret = "s3cret-plaintext-" + System.nanoTime();
    String before = "{\"auths\":{\"reg.example\":{\"auth\":\""
        + java.util.Base64.getEncoder().encodeToString(("alice:" + secret).getBytes(StandardCharsets.UTF_8)) + "\"}}}";
    Files.writeString(config(), before);

    String said = run(env, "--dry-run");
    assertTrue(said.contains("would import 1 credential(s) from " + config()), said);
    assertTrue(said.contains("would set \"credsStore\": \"agent\""), said);
    assertFalse(said.contains(secret), "the plaintext's secret is never printed");
    assertEquals(before, Files.readString(config()), "a dry run writes nothing");
    assertFalse(Files.exists(dir.resolve("home")), "nor makes the vault's home");
  }

  @Test
  void aDamagedConfigIsRefusedAndLeftAsItWas() throws Exception {
    Map<String, String> env = env();
    Files.writeString(config(), "{\"credsStore\": \"desktop\", ");
    Exception refused = assertThrows(Exception.class, () -> run(env));
    assertTrue(refused.getMessage().contains(config().toString()), refused.getMessage());
    assertEquals("{\"credsStore\": \"desktop\", ", Files.readString(config()));
  }
}
