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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A registry with token auth: docker login stores an identity token, skopeo pushes and pulls with it. */
class TokenAuthIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;
  private TokenServer tokens;
  private Registry registry;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "needs skopeo");
    assumeTrue(docker() != null, "needs the docker CLI");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
    tokens = TokenServer.start("bob", "hunter2-token-auth");
    Path dir = Files.createDirectories(agent.root().resolve("registry"));
    registry = Registry.withToken(dir, tokens.realm(), TokenServer.ISSUER, tokens.writeRootCertBundle(dir.resolve("root.pem")));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
    if (agent != null) {
      agent.close();
    }
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
  void dockerLoginStoresAnIdentityTokenAndSkopeoPushesAndPullsWithIt() throws Exception {
    Path dockerDir = Files.createDirectories(agent.root().resolve("docker"));
    Files.writeString(dockerDir.resolve("config.json"), "{\"credsStore\":\"agent\"}");
    agent.env().put("DOCKER_CONFIG", dockerDir.toString());
    agent.env().put("DOCKER_HOST", "unix://" + agent.root().resolve("no-docker.sock"));
    Run login = agent.run(List.of(docker(), "login", "-u", "bob", "--password-stdin", registry.host()), "hunter2-token-auth\n");
    assertEquals(0, login.exitCode(), login.stdout() + login.stderr());

    JsonNode stored = JSON.readTree(helper(agent, "get", registry.host()).requireSuccess().stdout());
    assertEquals("<token>", stored.path("Username").asText(), "docker stores an identity token under <token>");
    assertTrue(stored.path("Secret").asText().startsWith("refresh-"), stored.toString());

    Path authFile = agent.root().resolve("auth.json");
    Files.writeString(authFile, "{\"credHelpers\":{\"" + registry.host() + "\":\"agent\"}}");
    Files.writeString(agent.root().resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    agent.env().put("REGISTRY_AUTH_FILE", authFile.toString());
    Path layout = agent.root().resolve("layout");
    String digest = OciLayout.write(layout, "v1");
    String image = "docker://" + registry.host() + "/credagent/token:v1";
    skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", image).requireSuccess();
    Path pulled = agent.root().resolve("pulled");
    skopeo("copy", "--src-tls-verify=false", image, "oci:" + pulled + ":v1").requireSuccess();
    assertTrue(Files.readString(pulled.resolve("index.json")).contains(digest));
    assertTrue(tokens.grantTypesSeen().contains("refresh_token"), "skopeo used the refresh token: " + tokens.grantTypesSeen());
  }

  private Run skopeo(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/skopeo", "--policy", agent.root().resolve("policy.json").toString()));
    command.addAll(List.of(args));
    return agent.run(command, "");
  }
}
