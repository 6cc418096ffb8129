package dev.credagent.it.clients;

import static dev.credagent.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.HelperInstall;
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
    List<String> env = passStore();
    try {
      agent.run(concat(env, "docker-credential-pass", "store"),
          "{\"ServerURL\":\"gcr.example\",\"Username\":\"oauth2accesstoken\",\"Secret\":\"ya29.from-pass\"}").requireSuccess();
      agent.credagent("", "source", "add", "gcr.example", "--helper", "pass", "--ttl", "30m",
          "--env", env.get(1), "--env", env.get(2)).requireSuccess();
      JsonNode got = JSON.readTree(helper(agent, "get", "gcr.example\n").requireSuccess().stdout());
      assertEquals("oauth2accesstoken", got.path("Username").asText());
      assertEquals("ya29.from-pass", got.path("Secret").asText());
    } finally {
      agent.run(concat(env, "gpgconf", "--kill", "gpg-agent"), "");
    }
  }

  @Test
  void importFromDebiansDockerCredentialPassCopiesEveryCredentialOnce() throws Exception {
    List<String> env = passStore();
    try {
      for (String server : List.of("r1.example", "r2.example:5000")) {
        agent.run(concat(env, "docker-credential-pass", "store"),
            "{\"ServerURL\":\"" + server + "\",\"Username\":\"u-" + server + "\",\"Secret\":\"pass-secret-" + server + "\"}")
            .requireSuccess();
      }
      agent.env().put("GNUPGHOME", env.get(1).substring("GNUPGHOME=".length()));
      agent.env().put("PASSWORD_STORE_DIR", env.get(2).substring("PASSWORD_STORE_DIR=".length()));
      Run first = agent.credagent("", "import", "--from-helper", "pass").requireSuccess();
      assertTrue(first.stdout().contains("from docker-credential-pass:"), first.stdout());
      assertTrue(first.stdout().contains("imported  r1.example (u-r1.example)"), first.stdout());
      assertTrue(first.stdout().contains("imported  r2.example:5000 (u-r2.example:5000)"), first.stdout());
      assertFalse(first.stdout().contains("pass-secret"), "never a secret");
      JsonNode got = JSON.readTree(helper(agent, "get", "r2.example:5000").requireSuccess().stdout());
      assertEquals("pass-secret-r2.example:5000", got.path("Secret").asText());
      Run second = agent.credagent("", "import", "--from-helper", "pass").requireSuccess();
      assertTrue(second.stdout().contains("imported 0, 2 unchanged, 0 skipped"), second.stdout());

      Run missing = agent.credagent("", "import", "--from-helper", "nonesuch");
      assertEquals(1, missing.exitCode());
      assertTrue(missing.stderr().startsWith("credagent: docker-credential-nonesuch is not on PATH"), missing.stderr());
    } finally {
      agent.run(concat(env, "gpgconf", "--kill", "gpg-agent"), "");
    }
  }

  /** A throwaway gpg key and pass store; the env(1) words that select them. */
  private List<String> passStore() throws Exception {
    for (String tool : List.of("/usr/bin/docker-credential-pass", "/usr/bin/pass", "/usr/bin/gpg")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool + " (golang-docker-credential-helpers, pass, gnupg)");
    }
    Path gnupg = Files.createDirectories(agent.root().resolve("g"));
    Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path store = agent.root().resolve("pass");
    List<String> env = List.of("env", "GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store);
    agent.run(concat(env, "gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "",
        "--quick-gen-key", "credagent test <test@localhost>", "default", "default", "never"), "").requireSuccess();
    agent.run(concat(env, "pass", "init", "test@localhost"), "").requireSuccess();
    return env;
  }

  private static List<String> concat(List<String> prefix, String... rest) {
    List<String> all = new java.util.ArrayList<>(prefix);
    all.addAll(List.of(rest));
    return all;
  }
}
