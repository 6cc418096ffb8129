package dev.credagent.it.clients;

import static dev.credagent.it.HelperInstall.helper;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.credagent.it.registry.TokenServer;
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
    Closing.inOrder(registry, tokens, agent);
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

  /** Issue 33: a token is minted from the login of the profile asked in, never another's. */
  @Test
  void aTokenIsMintedFromTheProfilesLoginOnly() throws Exception {
    Path work = Files.createDirectories(agent.root().resolve("clients/acme")).toRealPath();
    agent.credagent("", "profile", "add", "work", "--dir", work.toString()).requireSuccess();
    agent.credagent("hunter2-token-auth\n", "login", "--profile", "work", registry.host(), "-u", "bob", "--password-stdin")
        .requireSuccess();
    Run inProfile = agent.credagent("", "token", "--profile", "work", registry.host() + "/acme/app", "--scope",
        "repository:acme/app:pull");
    assertEquals(0, inProfile.exitCode(), inProfile.stderr());
    assertTrue(inProfile.stdout().strip().length() > 20, inProfile.stdout());
    Run inDir = agent.runIn(work, java.util.List.of(dev.credagent.it.AgentEnvironment.launcher().toAbsolutePath().toString(),
        "token", registry.host() + "/acme/app", "--scope", "repository:acme/app:pull"), "");
    assertEquals(0, inDir.exitCode(), "the directory selects the profile: " + inDir.stderr());
    Run inDefault = agent.credagent("", "token", "--profile", "default", registry.host() + "/acme/app", "--scope",
        "repository:acme/app:pull");
    assertEquals(4, inDefault.exitCode(), "the default profile has no login there: " + inDefault.stderr());
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

  /**
   * issue 29 item 2: HOST holds a Basic login, HOST/org-c a refresh token, and the token server
   * rotates refresh tokens. Token requests through a share for HOST/org-c/ rotated the pattern's
   * token into the owner's HOST key. The rotated token belongs to the key that supplied it; each
   * rotation is audited and the replaced token kept.
   */
  @Test
  void aRefreshTokenRotatedThroughAShareIsWrittenBackToTheKeyThatSuppliedItOnly() throws Exception {
    tokens.rotatingRefreshTokens();
    String host = registry.host();
    agent.credagent("hunter2-token-auth\n", "store", host, "-u", "bob").requireSuccess();
    agent.credagent("hunter2-token-auth\n", "login", host, "-u", "bob", "--password-stdin", "--as", host + "/org-c")
        .requireSuccess();
    String firstRefresh = JSON.readTree(agent.credagent("", "get", host + "/org-c/app").requireSuccess().stdout())
        .path("secret").asText();
    assertTrue(firstRefresh.startsWith("refresh-"), "the pattern holds a refresh token");
    Path share = Path.of(agent.credagent("", "share", "--print-path", "--registry", host + "/org-c/").requireSuccess()
        .stdout().strip());
    for (int i = 1; i <= 6; i++) { // six scopes: six tokens minted, none from the cache
      Run token = throughShare(share, "token", host + "/org-c/app" + i, "--scope", "repository:org-c/app" + i + ":pull");
      assertEquals(0, token.exitCode(), token.stderr());
    }
    assertTrue(tokens.grantTypesSeen().contains("refresh_token"), tokens.grantTypesSeen().toString());

    JsonNode owner = JSON.readTree(agent.credagent("", "get", host).requireSuccess().stdout());
    assertEquals("bob", owner.path("username").asText(), "the owner's host-wide login is untouched");
    assertEquals("hunter2-token-auth", owner.path("secret").asText());
    JsonNode pattern = JSON.readTree(agent.credagent("", "get", host + "/org-c/app").requireSuccess().stdout());
    assertEquals("<token>", pattern.path("username").asText());
    assertNotEquals(firstRefresh, pattern.path("secret").asText(), "the pattern holds the newest refresh token");
    Run still = throughShare(share, "token", host + "/org-c/app7", "--scope", "repository:org-c/app7:pull");
    assertEquals(0, still.exitCode(), "the newest token still works: " + still.stderr());

    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().filter(line -> line.contains("\"op\":\"refresh\"") && line.contains("\"server\":\"" + host + "/org-c\""))
        .count() >= 6, audit);
    assertTrue(audit.lines().noneMatch(line -> line.contains("\"op\":\"refresh\"") && line.contains("\"server\":\"" + host + "\"")), audit);
    String erased = agent.credagent("", "list", "--erased", "--json").requireSuccess().stdout();
    assertTrue(JSON.readTree(erased).size() >= 6 && !erased.contains("\"username\":\"bob\""),
        "each replaced refresh token is kept, the host's login was never replaced: " + erased);
  }

  /** Runs credagent with its socket the share's, as a script on the far side would. */
  private Run throughShare(Path share, String... args) throws Exception {
    java.util.Map<String, String> local = new java.util.HashMap<>(agent.env());
    agent.env().put("CREDAGENT_SOCKET", share.toString());
    agent.env().put("CREDAGENT_AUTOSTART", "0");
    try {
      return agent.credagent("", args);
    } finally {
      agent.env().clear();
      agent.env().putAll(local);
    }
  }
}
