package dev.credagent.helper.it;

import static dev.credagent.helper.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Credential sources run by the real daemon: a command that counts its runs, and Debian's docker-credential-pass. */
class SourcesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  @Test
  void aCommandSourceRunsOnceForManyGetsThroughEitherDoorAndIsRemoved() throws Exception {
    Path runs = agent.root().resolve("runs");
    Path script = Files.writeString(agent.root().resolve("print-token.sh"),
        "echo run >> '" + runs + "'\nprintf 'ecr-token-%s\\n' \"$REGION\"\n");
    agent.credagent("", "source", "add", "123.dkr.ecr.eu-west-1.amazonaws.com", "--exec", "sh " + script,
        "--username", "AWS", "--ttl", "12h", "--env", "REGION=eu-west-1").requireSuccess();

    Run get = agent.credagent("", "get", "123.dkr.ecr.eu-west-1.amazonaws.com").requireSuccess();
    assertTrue(get.stdout().contains("\"username\":\"AWS\"") && get.stdout().contains("\"secret\":\"ecr-token-eu-west-1\""), get.stdout());
    for (int i = 0; i < 3; i++) {
      JsonNode viaHelper = JSON.readTree(helper(agent, "get", "123.dkr.ecr.eu-west-1.amazonaws.com\n").requireSuccess().stdout());
      assertEquals("ecr-token-eu-west-1", viaHelper.path("Secret").asText());
    }
    assertEquals(1, Files.readAllLines(runs).size(), "one run served every get");

    Run list = agent.credagent("", "source", "list").requireSuccess();
    assertTrue(list.stdout().contains("123.dkr.ecr.eu-west-1.amazonaws.com  exec sh " + script + " (username AWS), ttl 43200 s, env REGION"),
        list.stdout());
    assertTrue(!list.stdout().contains("eu-west-1\n") && !list.stdout().contains("=eu-west-1"), "never the environment's values");

    agent.credagent("", "lock").requireSuccess();
    agent.unlock("pw");
    agent.credagent("", "get", "123.dkr.ecr.eu-west-1.amazonaws.com").requireSuccess();
    assertEquals(2, Files.readAllLines(runs).size(), "lock forgot the cached value; the definition stayed in the vault");

    agent.credagent("", "source", "remove", "123.dkr.ecr.eu-west-1.amazonaws.com").requireSuccess();
    assertEquals(4, agent.credagent("", "get", "123.dkr.ecr.eu-west-1.amazonaws.com").exitCode(), "not found once removed");
  }

  @Test
  void aFailingSourceIsAnErrorThatNamesItsExitCodeAndStderr() throws Exception {
    Path script = Files.writeString(agent.root().resolve("fail.sh"), "echo 'ExpiredTokenException: the SSO session expired' >&2\nexit 254\n");
    agent.credagent("", "source", "add", "r.example", "--exec", "sh " + script, "--username", "AWS").requireSuccess();
    Run get = agent.credagent("", "get", "r.example");
    assertEquals(1, get.exitCode());
    assertTrue(get.stderr().contains("the source for r.example (sh) exited with 254: ExpiredTokenException: the SSO session expired"),
        get.stderr());
    Run viaHelper = helper(agent, "get", "r.example\n");
    assertEquals(1, viaHelper.exitCode());
    assertTrue(viaHelper.stdout().contains("ExpiredTokenException") || viaHelper.stdout().contains("tried again"), viaHelper.stdout());
  }

  @Test
  void aHelperSourceBackedByDebiansDockerCredentialPass() throws Exception {
    for (String tool : List.of("/usr/bin/docker-credential-pass", "/usr/bin/pass", "/usr/bin/gpg")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool + " (golang-docker-credential-helpers, pass, gnupg)");
    }
    Path gnupg = Files.createDirectories(agent.root().resolve("g"));
    Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path store = agent.root().resolve("pass");
    List<String> env = List.of("env", "GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store);
    try {
      agent.run(concat(env, "gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "",
          "--quick-gen-key", "credagent test <test@localhost>", "default", "default", "never"), "").requireSuccess();
      agent.run(concat(env, "pass", "init", "test@localhost"), "").requireSuccess();
      agent.run(concat(env, "docker-credential-pass", "store"),
          "{\"ServerURL\":\"gcr.example\",\"Username\":\"oauth2accesstoken\",\"Secret\":\"ya29.from-pass\"}").requireSuccess();

      agent.credagent("", "source", "add", "gcr.example", "--helper", "pass", "--ttl", "30m",
          "--env", "GNUPGHOME=" + gnupg, "--env", "PASSWORD_STORE_DIR=" + store).requireSuccess();
      JsonNode got = JSON.readTree(helper(agent, "get", "gcr.example\n").requireSuccess().stdout());
      assertEquals("oauth2accesstoken", got.path("Username").asText());
      assertEquals("ya29.from-pass", got.path("Secret").asText());
    } finally {
      agent.run(concat(env, "gpgconf", "--kill", "gpg-agent"), "");
    }
  }

  private static List<String> concat(List<String> prefix, String... rest) {
    List<String> all = new java.util.ArrayList<>(prefix);
    all.addAll(List.of(rest));
    return all;
  }
}
