package dev.credagent.it.clients;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 33's Jib row: the real jib-maven-plugin, run by Maven from a project directory, asks
 * credagent's helper (docker's config.json, {@code credsStore: agent}) from that directory, so a
 * project inside profile "work"'s directory pushes as the bot and one elsewhere as the user.
 * The registry knows the bot only: a push that succeeds was the bot's, one answered with the
 * user's login is refused.
 */
class JibProfilesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JIB = "com.google.cloud.tools:jib-maven-plugin:3.5.2:build";
  /** Maven starting, resolving Jib (downloading it the first time) and Jib pulling and pushing, beside other tests. */
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
  private static final String ME = "alice";
  private static final String MY_PASSWORD = "alice's jib pa$$word";
  private static final String BOT = "ci-bot";
  private static final String BOT_PASSWORD = "bot \"jib token\" 42";

  private AgentEnvironment agent;
  private Registry registry;
  private Path work;
  private Path mine;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo (to push Jib's base image)");
    assumeTrue(Files.isExecutable(mvn()), "needs the Maven running this build (credagent.maven.home): " + mvn());
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), BOT, BOT_PASSWORD);
    work = project(agent.root().resolve("clients/acme/app"));
    mine = project(agent.root().resolve("src/mine/app"));
    agent.credagent("", "profile", "add", "work", "--dir", work.getParent().toString()).requireSuccess();
    agent.credagent(BOT_PASSWORD, "login", "--profile", "work", registry.host(), "-u", BOT, "--password-stdin").requireSuccess();
    // The user's login, which this registry does not know: store, as login would check it with the registry first.
    agent.runIn(mine, List.of(AgentEnvironment.launcher().toAbsolutePath().toString(), "store", registry.host(), "-u", ME),
        MY_PASSWORD + "\n").requireSuccess();
    assertTrue(agent.credagent("", "list", "--profile", "default").requireSuccess().stdout().contains(ME));

    // Jib's base image, pushed with the bot's login by skopeo run in the checkout.
    Clients.skopeoUsesAgentFor(agent, registry.host());
    Path layout = agent.root().resolve("base-layout");
    OciLayout.write(layout, "v1");
    agent.runIn(work, List.of(Clients.SKOPEO.toString(), "--policy", agent.root().resolve("policy.json").toString(), "copy",
        "--dest-tls-verify=false", "oci:" + layout + ":v1", "docker://" + registry.host() + "/base:v1"), "").requireSuccess();
    agent.env().remove("REGISTRY_AUTH_FILE");
    // Jib finds the helper as docker does: config.json's credsStore, "agent" naming docker-credential-agent on PATH.
    Clients.dockerConfig(agent, "{\"credsStore\":\"agent\"}");
    // A short-lived Maven: the client compiler is enough, and it starts faster.
    agent.env().put("MAVEN_OPTS", "-XX:TieredStopAtLevel=1");
  }

  @AfterEach
  void tearDown() throws Exception {
    Closing.inOrder(registry, agent);
  }

  @Test
  void jibPushesAsTheBotFromAProjectInTheWorkDirectoryAndAsTheUserFromOneElsewhere() throws Exception {
    Run asBot = jibBuild(work, "acme/app:1");
    assumeResolved(asBot);
    assertEquals(0, asBot.exitCode(), "Jib in the checkout: " + asBot.stdout() + asBot.stderr());
    assertTrue(helperGets(registry.host()).stream().anyMatch(get -> get.path("key").asText().equals("work:" + registry.host())
        && get.path("profile").asText().equals("work") && get.path("outcome").asText().equals("ok")),
        "Jib's helper call was answered in profile work: " + helperGets(registry.host()));
    Run pushed = agent.runIn(work, List.of(Clients.SKOPEO.toString(), "inspect", "--tls-verify=false", "--raw",
        "docker://" + registry.host() + "/acme/app:1"), "");
    assertEquals(0, pushed.exitCode(), "the image Jib pushed is there: " + pushed.stderr());

    int before = helperGets(registry.host()).size();
    Run asMe = jibBuild(mine, "mine/app:1");
    assertNotEquals(0, asMe.exitCode(), "the registry knows only the bot: a push as the user is refused");
    String said = asMe.stdout() + asMe.stderr();
    assertTrue(said.contains("Unauthorized") || said.contains("credentials"), said);
    assertFalse(said.contains(MY_PASSWORD) || said.contains(BOT_PASSWORD), "no password in Maven's output");
    List<JsonNode> fromMine = helperGets(registry.host()).subList(before, helperGets(registry.host()).size());
    assertFalse(fromMine.isEmpty(), "Jib outside the checkout asked the helper too");
    assertTrue(fromMine.stream().allMatch(get -> get.path("key").asText().equals(registry.host())
        && !get.path("profile").asText().equals("work")), "and was answered with the default profile's login: " + fromMine);

    // Maven's -f does not move the JVM, which runs the helper where it was started: the README says so.
    int beforeF = helperGets(registry.host()).size();
    Run withF = jibBuild(mine, "acme/app:2", "-f", work.resolve("pom.xml").toString());
    assertNotEquals(0, withF.exitCode(), "mvn -f from elsewhere is answered there, with the user's login");
    List<JsonNode> fromF = helperGets(registry.host()).subList(beforeF, helperGets(registry.host()).size());
    assertTrue(!fromF.isEmpty() && fromF.stream().allMatch(get -> get.path("key").asText().equals(registry.host())), fromF.toString());

    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertFalse(audit.contains(MY_PASSWORD) || audit.contains(BOT_PASSWORD), "never a secret in the audit log");
  }

  /** The helper's gets of {@code server} asked by a JVM (Maven's, running Jib), in the audit log's order. */
  private List<JsonNode> helperGets(String server) throws Exception {
    List<JsonNode> gets = new ArrayList<>();
    for (String line : Files.readAllLines(agent.home().resolve("audit.log"))) {
      JsonNode entry = JSON.readTree(line);
      if (entry.path("op").asText().equals("get") && entry.path("server").asText().equals(server)
          && entry.path("exe").asText().endsWith("/docker-credential-agent") && entry.path("parentExe").asText().endsWith("/java")) {
        gets.add(entry);
      }
    }
    return gets;
  }

  /** {@code mvn jib:build} run in {@code dir}, as a user runs it there (the project: dir's, unless -f names another). */
  private Run jibBuild(Path dir, String target, String... mavenOptions) throws Exception {
    List<String> command = new ArrayList<>(List.of(mvn().toString(), "-B", "-q"));
    command.addAll(List.of(mavenOptions));
    String repo = System.getProperty("credagent.maven.repo", "");
    if (!repo.isEmpty()) {
      command.add("-Dmaven.repo.local=" + repo); // this build's, where Jib was fetched to: nothing written into the worktree
    }
    command.addAll(List.of(JIB,
        "-Djib.allowInsecureRegistries=true",
        "-DsendCredentialsOverHttp=true", // the registry is plain http on 127.0.0.1; Jib sends no password there otherwise
        "-Djib.disableUpdateChecks=true",
        "-Djib.from.image=" + registry.host() + "/base:v1",
        "-Djib.to.image=" + registry.host() + "/" + target,
        "-Djib.container.entrypoint=/hello", // no main class to find: the project has no code
        "-Djib.baseImageCache=" + agent.root().resolve("jib-cache/base"),
        "-Djib.applicationCache=" + dir.resolve("target/jib-cache")));
    return agent.runIn(dir, command, "", BUILD_TIMEOUT);
  }

  /** Skips, saying why, where this Maven cannot get Jib (offline with no copy, or no way to Maven Central). */
  private static void assumeResolved(Run build) {
    String said = build.stdout() + build.stderr();
    assumeTrue(build.exitCode() == 0 || !(said.contains("could not be resolved") || said.contains("Cannot access")
        || said.contains("offline mode")), "Maven could not resolve " + JIB + " (offline, or Maven Central unreachable): "
        + said.lines().filter(line -> line.contains("ERROR")).findFirst().orElse(said));
  }

  /** A project with nothing to compile: a pom, and the output directory Jib expects compiled classes in. */
  private static Path project(Path dir) throws Exception {
    Files.createDirectories(dir.resolve("target/classes"));
    Files.writeString(dir.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>test.credagent</groupId>
          <artifactId>%s</artifactId>
          <version>1</version>
        </project>
        """.formatted(dir.getParent().getFileName()));
    return dir.toRealPath();
  }

  private static Path mvn() {
    return Path.of(System.getProperty("credagent.maven.home", "/nonexistent"), "bin/mvn");
  }
}
