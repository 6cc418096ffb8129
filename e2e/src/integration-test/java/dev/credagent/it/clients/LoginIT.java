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
import dev.credagent.it.registry.Registry;
import dev.credagent.it.registry.TestCertificates;
import dev.credagent.it.registry.TokenServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `credagent login` against Debian's real docker-registry: htpasswd (Basic) and token auth (Bearer). */
class LoginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;
  private Registry registry;
  private TokenServer tokens;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
    agent.close();
  }

  private Run login(String password, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "login";
    System.arraycopy(args, 0, command, 1, args.length);
    return agent.credagent(password + "\n", command);
  }

  private JsonNode stored() throws Exception {
    return JSON.readTree(helper(agent, "get", registry.host()).requireSuccess().stdout());
  }

  @Test
  void basicAuthRightStoresTheCredentialAndWrongChangesNothing() throws Exception {
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), "alice", "s3cret-basic");
    Run ok = login("s3cret-basic", registry.host(), "-u", "alice", "--password-stdin");
    assertEquals(0, ok.exitCode(), ok.stderr());
    assertTrue(ok.stdout().contains("Login Succeeded"), ok.stdout());
    assertEquals("alice", stored().path("Username").asText());
    assertEquals("s3cret-basic", stored().path("Secret").asText(), "what docker login would have stored");

    Run wrong = login("not-it", registry.host(), "-u", "alice", "--password-stdin");
    assertEquals(1, wrong.exitCode());
    assertTrue(wrong.stderr().contains(registry.host()) && wrong.stderr().contains("401"), wrong.stderr());
    assertTrue(!wrong.stderr().contains("not-it"), "never the password");
    assertEquals("s3cret-basic", stored().path("Secret").asText(), "the previous credential is untouched");

    assertEquals(0, agent.credagent("", "logout", registry.host()).exitCode());
    assertEquals(1, helper(agent, "get", registry.host()).exitCode());
  }

  @Test
  void tokenAuthStoresAnIdentityTokenAsDockerLoginDoes() throws Exception {
    startTokenRegistry();
    Run ok = login("hunter2-login", registry.host(), "-u", "bob", "--password-stdin");
    assertEquals(0, ok.exitCode(), ok.stderr());
    JsonNode stored = stored();
    assertEquals("<token>", stored.path("Username").asText());
    assertTrue(stored.path("Secret").asText().startsWith("refresh-"), stored.toString());
    assertTrue(tokens.grantTypesSeen().contains("password"), "the OAuth form first: " + tokens.grantTypesSeen());

    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    assertTrue(Clients.pushAndPullThroughTheHelper(agent, registry.host(), "credagent/login"));
  }

  @Test
  void aTokenServerThatRefusesPostIsAskedWithGetAsContainerdFallsBack() throws Exception {
    startTokenRegistry();
    tokens.refusingPostWith(405); // as Harbor answers the OAuth form
    Run ok = login("hunter2-login", registry.host(), "-u", "bob", "--password-stdin");
    assertEquals(0, ok.exitCode(), ok.stderr());
    assertTrue(tokens.grantTypesSeen().contains("refused POST") && tokens.grantTypesSeen().contains("basic"),
        tokens.grantTypesSeen().toString());
    assertEquals("<token>", stored().path("Username").asText());

    String before = stored().path("Secret").asText();
    Run wrong = login("wrong", registry.host(), "-u", "bob", "--password-stdin");
    assertEquals(1, wrong.exitCode());
    assertTrue(wrong.stderr().contains("refused the login"), wrong.stderr());
    assertEquals(before, stored().path("Secret").asText(), "a wrong password leaves the stored token as it was");
  }

  @Test
  void credagentTokenGivesATokenTheRegistryAcceptsAndConcurrentCallsMakeOneRequest() throws Exception {
    startTokenRegistry();
    assertEquals(0, login("hunter2-login", registry.host(), "-u", "bob", "--password-stdin").exitCode());
    Run token = agent.credagent("", "token", registry.host(), "--scope", "repository:credagent/tok:pull");
    assertEquals(0, token.exitCode(), token.stderr());
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.URI tags = java.net.URI.create("http://" + registry.host() + "/v2/credagent/tok/tags/list");
    int without = http.send(java.net.http.HttpRequest.newBuilder(tags).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    int with = http.send(java.net.http.HttpRequest.newBuilder(tags).header("Authorization", "Bearer " + token.stdout().strip()).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    assertEquals(401, without);
    assertEquals(404, with, "accepted: the repository simply does not exist yet");

    JsonNode json = JSON.readTree(agent.credagent("", "token", registry.host(), "--scope", "repository:credagent/tok:pull", "--json")
        .requireSuccess().stdout());
    assertEquals(token.stdout().strip(), json.path("token").asText(), "the cached token");
    assertTrue(java.time.Instant.parse(json.path("expires_at").asText()).isAfter(java.time.Instant.now()));
    assertEquals(1, tokens.tokensGivenFor("repository:credagent/tok:pull"));

    String scope = "repository:credagent/many:pull";
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(32);
    try {
      java.util.List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 32; i++) {
        answers.add(callers.submit(() -> {
          try (dev.credagent.it.RawConnection raw = new dev.credagent.it.RawConnection(agent.socket())) {
            return JSON.readTree(raw.request("{\"v\":1,\"op\":\"token\",\"registry\":\"" + registry.host()
                + "\",\"scope\":\"" + scope + "\"}")).path("token").asText();
          }
        }));
      }
      java.util.Set<String> distinct = new java.util.HashSet<>();
      for (java.util.concurrent.Future<String> answer : answers) {
        distinct.add(answer.get());
      }
      assertEquals(1, distinct.size(), "all 32 got the one token");
    } finally {
      callers.shutdownNow();
    }
    assertEquals(1, tokens.tokensGivenFor(scope), "32 concurrent calls made one token request");
  }

  @Test
  void aBasicAuthRegistryNeedsNoTokenAndSaysSo() throws Exception {
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), "alice", "s3cret-basic");
    assertEquals(0, login("s3cret-basic", registry.host(), "-u", "alice", "--password-stdin").exitCode());
    Run token = agent.credagent("", "token", registry.host());
    assertEquals(1, token.exitCode());
    assertTrue(token.stderr().contains("uses Basic authentication: it needs no token"), token.stderr());
    // A normal outcome, answered and audited: no Java trace in the daemon's log (Caffeine wrote two).
    String log = Files.readString(agent.log());
    assertFalse(log.contains("NoTokenNeededException") || log.contains("\tat "), log);
  }

  @Test
  void aRegistryWithAPrivateCaIsTrustedThroughDockersCertsD() throws Exception {
    // The daemon reads ~/.docker/certs.d from its HOME: restart it with one of the test's own.
    agent.credagent("", "stop").requireSuccess();
    Path home = Files.createDirectories(agent.root().resolve("user-home"));
    agent.env().put("HOME", home.toString());
    agent.unlock("pw");
    Path dir = Files.createDirectories(agent.root().resolve("registry"));
    TestCertificates certificates = TestCertificates.create(dir);
    registry = Registry.withHtpasswdTls(dir, "alice", "s3cret-tls", certificates);

    Run untrusted = login("s3cret-tls", "https://" + registry.host(), "-u", "alice", "--password-stdin");
    assertEquals(1, untrusted.exitCode());
    assertTrue(untrusted.stderr().contains("TLS") && untrusted.stderr().contains("certs.d/" + registry.host()), untrusted.stderr());

    Path certsD = Files.createDirectories(home.resolve(".docker/certs.d").resolve(registry.host()));
    Files.copy(certificates.ca(), certsD.resolve("ca.crt"));
    Run trusted = login("s3cret-tls", "https://" + registry.host(), "-u", "alice", "--password-stdin");
    assertEquals(0, trusted.exitCode(), trusted.stderr());
    assertEquals("alice", stored().path("Username").asText());
  }

  private void startTokenRegistry() throws Exception {
    tokens = TokenServer.start("bob", "hunter2-login");
    Path dir = Files.createDirectories(agent.root().resolve("registry"));
    registry = Registry.withToken(dir, tokens.realm(), TokenServer.ISSUER, tokens.writeRootCertBundle(dir.resolve("root.pem")));
  }
}
