package dev.credagent.it.clients;

import static dev.credagent.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.registry.Registry;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One credential stored under a pattern serves two password-protected registries, through skopeo. */
class PatternIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "one pa$$word for both";

  private AgentEnvironment agent;
  private Registry first;
  private Registry second;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
    first = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry-1")), USER, PASSWORD);
    second = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry-2")), USER, PASSWORD);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable open : new AutoCloseable[] {first, second, agent}) {
      if (open != null) {
        open.close();
      }
    }
  }

  @Test
  void onePatternServesTwoRegistriesOnTheirOwnPorts() throws Exception {
    agent.credagent(PASSWORD + "\n", "store", "--pattern", "127.0.0.*", "-u", USER).requireSuccess();
    assertTrue(agent.credagent("", "list").requireSuccess().stdout().contains("127.0.0.*  " + USER),
        "list shows the pattern as a pattern");

    assertTrue(Clients.pushAndPullThroughTheHelper(agent, first.host(), "team/app"), "skopeo, " + first.host());
    assertTrue(Clients.pushAndPullThroughTheHelper(agent, second.host(), "team/app"), "skopeo, " + second.host());

    JsonNode got = JSON.readTree(helper(agent, "get", second.host()).requireSuccess().stdout());
    assertEquals(USER, got.path("Username").asText());
    assertEquals(PASSWORD, got.path("Secret").asText());
    JsonNode viaPath = JSON.readTree(agent.credagent("", "get", first.host() + "/team/app").requireSuccess().stdout());
    assertEquals(USER, viaPath.path("username").asText());
  }

  @Test
  void aPatternThatIsNoneIsRefusedWithTheForm() throws Exception {
    var refused = agent.credagent("x\n", "store", "--pattern", "ghcr.io/*/app", "-u", USER);
    assertEquals(1, refused.exitCode());
    assertTrue(refused.stderr().startsWith("credagent: 'ghcr.io/*/app' is not a registry pattern (the path has no wildcards)"),
        refused.stderr());
  }
}
