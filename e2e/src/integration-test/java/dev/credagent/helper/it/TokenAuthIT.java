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
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    assumeTrue(Clients.docker() != null, "needs the docker CLI");
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

  @Test
  void dockerLoginStoresAnIdentityTokenAndSkopeoPushesAndPullsWithIt() throws Exception {
    Clients.dockerConfig(agent, "{\"credsStore\":\"agent\"}");
    Run login = Clients.docker(agent, "hunter2-token-auth\n", "login", "-u", "bob", "--password-stdin", registry.host());
    assertEquals(0, login.exitCode(), login.stdout() + login.stderr());

    JsonNode stored = JSON.readTree(helper(agent, "get", registry.host()).requireSuccess().stdout());
    assertEquals("<token>", stored.path("Username").asText(), "docker stores an identity token under <token>");
    assertTrue(stored.path("Secret").asText().startsWith("refresh-"), stored.toString());

    assertTrue(Clients.pushAndPullThroughTheHelper(agent, registry.host(), "credagent/token"));
    assertTrue(tokens.grantTypesSeen().contains("refresh_token"), "skopeo used the refresh token: " + tokens.grantTypesSeen());
  }

  @Test
  void aLoginStoredUnderAPathPatternGivesTokensForItsRepositories() throws Exception {
    String pattern = registry.host() + "/team";
    agent.credagent("hunter2-token-auth\n", "login", registry.host(), "-u", "bob", "--password-stdin", "--as", pattern)
        .requireSuccess();
    assertTrue(agent.credagent("", "list").requireSuccess().stdout().contains(pattern + "  <token>"),
        "stored under the pattern, as the identity token the token server gave");
    Run token = agent.credagent("", "token", registry.host() + "/team/app", "--scope", "repository:team/app:pull");
    assertEquals(0, token.exitCode(), token.stderr());
    assertTrue(token.stdout().strip().length() > 20, token.stdout());
    Run outside = agent.credagent("", "token", registry.host() + "/other/app", "--scope", "repository:other/app:pull");
    assertEquals(4, outside.exitCode(), "no login serves other/: " + outside.stderr());
  }
}
