package dev.credagent.it.clients;

import static dev.credagent.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Closing;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.Run;
import dev.credagent.it.registry.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Closing.inOrder(registry, agent);
  }

  @Test
  void dockerLoginStoresThroughTheHelperAndLogoutErases() throws Exception {
    assumeTrue(Clients.docker() != null, "needs the docker CLI");
    Path config = Clients.dockerConfig(agent, "{\"credsStore\":\"agent\"}");

    Run login = Clients.docker(agent, PASSWORD + "\n", "login", "-u", USER, "--password-stdin", registry.host());
    assertEquals(0, login.exitCode(), login.stdout() + login.stderr());
    assertTrue(login.stdout().contains("Login Succeeded"), login.stdout());
    JsonNode auths = JSON.readTree(Files.readString(config)).path("auths");
    assertTrue(auths.has(registry.host()), "config.json names the registry: " + auths);
    assertFalse(Files.readString(config).contains("\"auth\""), "and holds no base64 password");
    JsonNode stored = JSON.readTree(helper(agent, "get", registry.host()).requireSuccess().stdout());
    assertEquals(USER, stored.path("Username").asText());
    assertEquals(PASSWORD, stored.path("Secret").asText());

    Clients.docker(agent, "", "logout", registry.host()).requireSuccess();
    assertEquals("credentials not found in native keychain\n", helper(agent, "get", registry.host()).stdout());
    assertTrue(audited(agent, registry.host(), "store", "/docker"), "the audit log names docker as the one that stored it");
  }

  /** Whether the audit log has an {@code op} on {@code server} by our helper, run by a program whose path ends so. */
  static boolean audited(AgentEnvironment agent, String server, String op, String parentEnding) throws Exception {
    String log = Files.readString(agent.home().resolve("audit.log"));
    assertFalse(log.contains(PASSWORD), "never a secret in the audit log");
    for (String line : log.split("\n")) {
      JsonNode entry = JSON.readTree(line);
      if (entry.path("op").asText().equals(op) && entry.path("server").asText().equals(server)
          && entry.path("exe").asText().endsWith("/docker-credential-agent")
          && entry.path("parentExe").asText().endsWith(parentEnding)
          && entry.path("outcome").asText().equals("ok")) {
        return true;
      }
    }
    throw new AssertionError("no '" + op + "' of " + server + " asked by " + parentEnding + " in:\n" + log);
  }

  /**
   * issue 29 item 5: docker 20.10 keeps `docker login HOST:PORT/v1/` under the key as typed, and asks
   * its store for HOST:PORT. After `credagent setup` moved such a key into the vault, docker found no
   * login ("no basic auth credentials"). docker's ConvertToHostname drops the path with or without
   * a scheme: that key is the host's.
   */
  @Test
  void aKeyDockerTypedWithARegistryPathStillLogsDockerInAfterSetup() throws Exception {
    assumeTrue(Clients.docker() != null, "needs the docker CLI");
    for (String path : java.util.List.of("/v1/", "/v2/")) {
      String typed = registry.host() + path;
      String auth = java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Path config = Clients.dockerConfig(agent, "{\"auths\":{\"" + typed + "\":{\"auth\":\"" + auth + "\"}}}");
      agent.env().put("REGISTRY_AUTH_FILE", agent.root().resolve("no-auth.json").toString()); // podman's file: none
      agent.credagent("", "setup", "--yes").requireSuccess();
      assertFalse(Files.readString(config).contains(auth), "the plaintext left config.json");
      assertTrue(agent.credagent("", "list").requireSuccess().stdout().contains(typed), "imported as docker typed it");

      // No password given: docker asks its store for the host, as `docker pull` does before it
      // calls the engine (none runs here, so the login itself then stops at the engine).
      Run login = Clients.docker(agent, "", "login", registry.host());
      String said = login.stdout() + login.stderr();
      assertTrue(said.contains("Authenticating with existing credentials... [Username: " + USER + "]"),
          path + ": docker found no login for the host: " + said);
      // And what docker found opens the real registry: skopeo pushes and pulls with it through the helper.
      assertTrue(Clients.pushAndPullThroughTheHelper(agent, registry.host(), "credagent/typed" + path.replace("/", "")));
      agent.credagent("", "erase", "--purge", typed).requireSuccess();
      agent.credagent("", "erase", "--purge", registry.host()).exitCode(); // docker's login may have stored under the host too
    }
  }

  @Test
  void aWrongPasswordFailsTheLoginAndStoresNothing() throws Exception {
    assumeTrue(Clients.docker() != null, "needs the docker CLI");
    Clients.dockerConfig(agent, "{\"credsStore\":\"agent\"}");
    Run login = Clients.docker(agent, "wrong\n", "login", "-u", USER, "--password-stdin", registry.host());
    assertNotEquals(0, login.exitCode());
    assertEquals("{}\n", helper(agent, "list", "").requireSuccess().stdout());
  }

  @Test
  void skopeoPushesInspectsAndPullsWithCredHelpersThenIsRefusedAfterErase() throws Exception {
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    Clients.skopeoUsesAgentFor(agent, registry.host());
    helper(agent, "store", JSON.writeValueAsString(java.util.Map.of(
        "ServerURL", registry.host(), "Username", USER, "Secret", PASSWORD))).requireSuccess();

    Path layout = agent.root().resolve("layout");
    String digest = OciLayout.write(layout, "v1");
    String image = "docker://" + registry.host() + "/credagent/hello:v1";
    Clients.skopeo(agent, "copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", image).requireSuccess();
    JsonNode inspected = JSON.readTree(Clients.skopeo(agent, "inspect", "--tls-verify=false", image).requireSuccess().stdout());
    assertEquals(digest, inspected.path("Digest").asText());
    Path pulled = agent.root().resolve("pulled");
    Clients.skopeo(agent, "copy", "--src-tls-verify=false", image, "oci:" + pulled + ":v1").requireSuccess();
    assertTrue(Files.readString(pulled.resolve("index.json")).contains(digest));
    assertTrue(audited(agent, registry.host(), "get", "/skopeo"), "which program asked for the password: skopeo");

    helper(agent, "erase", registry.host()).requireSuccess();
    Run refused = Clients.skopeo(agent, "inspect", "--tls-verify=false", image);
    assertNotEquals(0, refused.exitCode());
    assertTrue(refused.stderr().toLowerCase().contains("unauthorized")
        || refused.stderr().toLowerCase().contains("authentication required"), refused.stderr());
  }
}
