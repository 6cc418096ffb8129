package dev.credagent.helper.it;

import static dev.credagent.helper.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The docker CLI and skopeo keeping their credentials in credagent, against a real registry. */
class RealClientsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret pa$$ \"word\"";

  private AgentEnvironment agent;
  private Registry registry;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), USER, PASSWORD);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private Path dockerConfig(String json) throws Exception {
    Path dir = Files.createDirectories(agent.root().resolve("docker"));
    Files.writeString(dir.resolve("config.json"), json);
    agent.env().put("DOCKER_CONFIG", dir.toString());
    // No engine here: pointing the CLI at a socket that does not exist makes it log in client-side.
    agent.env().put("DOCKER_HOST", "unix://" + agent.root().resolve("no-docker.sock"));
    return dir.resolve("config.json");
  }

  private Run docker(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(docker()));
    command.addAll(List.of(args));
    return agent.run(command, stdin);
  }

  private static String docker() {
    for (String candidate : List.of("/usr/bin/docker", "/usr/local/bin/docker")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  @Test
  void dockerLoginStoresThroughTheHelperAndLogoutErases() throws Exception {
    assumeTrue(docker() != null, "needs the docker CLI");
    Path config = dockerConfig("{\"credsStore\":\"agent\"}");

    Run login = docker(PASSWORD + "\n", "login", "-u", USER, "--password-stdin", registry.host());
    assertEquals(0, login.exitCode(), login.stdout() + login.stderr());
    assertTrue(login.stdout().contains("Login Succeeded"), login.stdout());
    JsonNode auths = JSON.readTree(Files.readString(config)).path("auths");
    assertTrue(auths.has(registry.host()), "config.json names the registry: " + auths);
    assertFalse(Files.readString(config).contains("\"auth\""), "and holds no base64 password");
    JsonNode stored = JSON.readTree(helper(agent, "get", registry.host()).requireSuccess().stdout());
    assertEquals(USER, stored.path("Username").asText());
    assertEquals(PASSWORD, stored.path("Secret").asText());

    docker("", "logout", registry.host()).requireSuccess();
    assertEquals("credentials not found in native keychain\n", helper(agent, "get", registry.host()).stdout());
  }

  @Test
  void aWrongPasswordFailsTheLoginAndStoresNothing() throws Exception {
    assumeTrue(docker() != null, "needs the docker CLI");
    dockerConfig("{\"credsStore\":\"agent\"}");
    Run login = docker("wrong\n", "login", "-u", USER, "--password-stdin", registry.host());
    assertNotEquals(0, login.exitCode());
    assertEquals("{}\n", helper(agent, "list", "").requireSuccess().stdout());
  }

  @Test
  void skopeoPushesInspectsAndPullsWithCredHelpersThenIsRefusedAfterErase() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "needs skopeo");
    Path authFile = agent.root().resolve("auth.json");
    Files.writeString(authFile, "{\"credHelpers\":{\"" + registry.host() + "\":\"agent\"}}");
    Path policy = agent.root().resolve("policy.json");
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    agent.env().put("REGISTRY_AUTH_FILE", authFile.toString());
    helper(agent, "store", JSON.writeValueAsString(java.util.Map.of(
        "ServerURL", registry.host(), "Username", USER, "Secret", PASSWORD))).requireSuccess();

    Path layout = agent.root().resolve("layout");
    String digest = OciLayout.write(layout, "v1");
    String image = "docker://" + registry.host() + "/credagent/hello:v1";
    skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", image).requireSuccess();
    JsonNode inspected = JSON.readTree(skopeo("inspect", "--tls-verify=false", image).requireSuccess().stdout());
    assertEquals(digest, inspected.path("Digest").asText());
    Path pulled = agent.root().resolve("pulled");
    skopeo("copy", "--src-tls-verify=false", image, "oci:" + pulled + ":v1").requireSuccess();
    assertTrue(Files.readString(pulled.resolve("index.json")).contains(digest));

    helper(agent, "erase", registry.host()).requireSuccess();
    Run refused = skopeo("inspect", "--tls-verify=false", image);
    assertNotEquals(0, refused.exitCode());
    assertTrue(refused.stderr().toLowerCase().contains("unauthorized")
        || refused.stderr().toLowerCase().contains("authentication required"), refused.stderr());
  }

  private Run skopeo(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/skopeo", "--policy", agent.root().resolve("policy.json").toString()));
    command.addAll(List.of(args));
    return agent.run(command, "");
  }
}
