package dev.credagent.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import dev.credagent.it.registry.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Debian's real podman and buildah (vfs storage) against docker-registry, after `credagent
 * setup`: login stores in credagent and writes no plaintext, push and pull read through it,
 * logout erases it; the plaintext podman had written before is moved into the vault.
 */
@Execution(ExecutionMode.SAME_THREAD) // podman as root keeps a pause process of its own; one podman test at a time
@ResourceLock(SystemResources.PODMAN) // and none in another class meanwhile
class PodmanIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "podman-pa55-never-printed";
  private AgentEnvironment agent;
  private Registry registry;
  private Path runtimeAuth;

  @BeforeEach
  void setUp() throws Exception {
    for (String tool : List.of("/usr/bin/podman", "/usr/bin/buildah")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool + " (Debian's podman and buildah)");
    }
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    Path runtime = ownPodman(agent);
    runtimeAuth = runtime.resolve("containers/auth.json");
    agent.unlock("pw");
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), USER, PASSWORD);
  }

  /**
   * A rootless podman of {@code agent}'s own: its runtime dir, vfs storage, HOME and configs all
   * under the agent's root, and no REGISTRY_AUTH_FILE from the build's environment. The runtime dir.
   */
  static Path ownPodman(AgentEnvironment agent) throws java.io.IOException {
    Path root = agent.root();
    Path runtime = Files.createDirectories(root.resolve("xdg-runtime"));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    Path storageConf = Files.writeString(root.resolve("storage.conf"), """
        [storage]
        driver = "vfs"
        runroot = "%s"
        graphroot = "%s"
        """.formatted(root.resolve("storage-run"), root.resolve("storage")));
    agent.env().put("HOME", Files.createDirectories(root.resolve("user-home")).toString());
    agent.env().put("XDG_RUNTIME_DIR", runtime.toString());
    agent.env().put("XDG_CONFIG_HOME", root.resolve("user-home/.config").toString());
    agent.env().put("DOCKER_CONFIG", root.resolve("docker").toString());
    agent.env().put("CONTAINERS_STORAGE_CONF", storageConf.toString());
    agent.env().remove("REGISTRY_AUTH_FILE");
    return runtime;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (agent != null) {
      List<Long> left = stopPauseProcesses(agent);
      agent.close();
      assertEquals(List.of(), left, "podman's pause processes outlived the test");
    }
  }

  /**
   * Rootless podman leaves its pause process (catatonit -P) running for the next command: `podman
   * system migrate` stops it, and any that lives on is killed. The pids that outlived the migrate
   * (a test asserts there are none).
   */
  static List<Long> stopPauseProcesses(AgentEnvironment agent) throws Exception {
    agent.run(List.of("/usr/bin/podman", "system", "migrate"), "");
    List<Long> left = pauseProcessesOf(agent.root());
    left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    return left;
  }

  /** The catatonit processes whose environment names a path under {@code root}. */
  static List<Long> pauseProcessesOf(Path root) {
    return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("catatonit")).filter(p -> {
      try {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")),
            java.nio.charset.StandardCharsets.UTF_8).contains(root.toString());
      } catch (java.io.IOException gone) {
        return false;
      }
    }).map(ProcessHandle::pid).toList();
  }

  @Test
  void podmanAndBuildahLogInPushPullAndLogOutThroughCredagent() throws Exception {
    // What podman wrote before credagent: base64 in its runtime auth file.
    Files.createDirectories(runtimeAuth.getParent());
    String old = Base64.getEncoder().encodeToString(("bob:" + PASSWORD + "-old").getBytes());
    Files.writeString(runtimeAuth, "{\n\t\"auths\": {\n\t\t\"old.example\": {\n\t\t\t\"auth\": \"" + old + "\"\n\t\t}\n\t}\n}\n");

    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(setup.stdout().contains("registries.conf.d/50-credagent.conf"), setup.stdout());
    assertTrue(setup.stdout().contains("imported  old.example (bob)"), setup.stdout());
    assertFalse(Files.readString(runtimeAuth).contains(old), "the plaintext left podman's file");

    String host = registry.host();
    Run login = podman(PASSWORD + "\n", "login", "--tls-verify=false", "-u", USER, "--password-stdin", host);
    assertEquals(0, login.exitCode(), login.stdout() + login.stderr());
    JsonNode stored = JSON.readTree(agent.credagent("", "get", host).requireSuccess().stdout());
    assertEquals(USER, stored.path("username").asText());
    assertEquals(PASSWORD, stored.path("secret").asText());
    assertFalse(Files.readString(runtimeAuth).contains(host), "podman wrote nothing of it to auth.json");

    String image = host + "/credagent/hello:v1";
    String container = buildah("from", "scratch").requireSuccess().stdout().strip();
    buildah("config", "--label", "made-by=credagent-test", container).requireSuccess();
    buildah("commit", "-q", container, "localhost/hello:v1").requireSuccess();
    buildah("push", "--tls-verify=false", "localhost/hello:v1", "docker://" + image).requireSuccess();
    podman("", "rmi", "-f", "localhost/hello:v1");
    podman("", "pull", "--tls-verify=false", image).requireSuccess();
    assertTrue(RealClientsIT.audited(agent, host, "get",
        // Rootless, buildah re-runs itself in a user namespace as buildah-in-a-user-namespace, whose exe
        // link reads "/" from outside: the audit log names it by that argv[0].
        "root".equals(System.getProperty("user.name")) ? "/buildah" : "/buildah-in-a-user-namespace"), "buildah read the password through credagent");
    assertTrue(RealClientsIT.audited(agent, host, "get", "/podman"), "and podman");
    assertTrue(RealClientsIT.audited(agent, host, "store", "/podman"), "podman login stored it there");

    podman("", "logout", host).requireSuccess();
    assertEquals(4, agent.credagent("", "get", host).exitCode(), "logout erased it from credagent");
    podman("", "rmi", "-f", image);
    Run refused = podman("", "pull", "--tls-verify=false", image);
    assertNotEquals(0, refused.exitCode());
    assertTrue(refused.stderr().contains("authentication required") || refused.stderr().contains("unauthorized"), refused.stderr());

    Run undo = agent.credagent("", "setup", "--undo").requireSuccess();
    assertTrue(undo.stdout().contains("remove " + agent.root().resolve("user-home/.config/containers/registries.conf.d/50-credagent.conf")),
        undo.stdout());
  }

  private Run podman(String stdin, String... args) throws Exception {
    return agent.run(command("/usr/bin/podman", args), stdin);
  }

  @Test
  void oneHubLoginForEveryClientAndPodmanLogoutAllLeavesPatternsAndSourcesAndCanBeUndone() throws Exception {
    agent.credagent("", "setup", "--yes").requireSuccess();
    // docker login stores Docker Hub's login through the helper under docker's key.
    HelperInstall.helper(agent, "store",
        "{\"ServerURL\":\"https://index.docker.io/v1/\",\"Username\":\"hubuser\",\"Secret\":\"hub-secret\"}").requireSuccess();
    // podman and skopeo ask docker.io, Jib registry-1.docker.io and the rest, docker-py docker's key.
    for (String name : List.of("docker.io", "registry-1.docker.io", "registry.hub.docker.com", "index.docker.io",
        "https://index.docker.io/v1/")) {
      Run get = HelperInstall.helper(agent, "get", name + "\n").requireSuccess();
      assertTrue(get.stdout().contains("\"Username\":\"hubuser\"") && get.stdout().contains("hub-secret"), name + ": " + get.stdout());
    }
    agent.credagent("p\n", "store", "--pattern", "*.example.org", "-u", "wild").requireSuccess();
    agent.credagent("", "source", "add", "src.example", "--exec", "/bin/echo tok", "-u", "AWS").requireSuccess();

    // It overflowed its stack on a registry it was not logged in to, with a helper before containers-auth.json.
    Run notThere = podman("", "logout", "nothere.example");
    assertEquals(0, notThere.exitCode(), notThere.stdout() + notThere.stderr());
    assertFalse(notThere.stderr().contains("stack overflow"), notThere.stderr());

    Run logout = podman("", "logout", "--all");
    assertEquals(0, logout.exitCode(), logout.stdout() + logout.stderr());
    String list = agent.credagent("", "list").requireSuccess().stdout();
    assertTrue(list.contains("*.example.org") && !list.contains("index.docker.io"), list);
    assertTrue(agent.credagent("", "source", "list").requireSuccess().stdout().contains("src.example"), "the source stays");
    String erased = agent.credagent("", "list", "--erased").requireSuccess().stdout();
    assertTrue(erased.contains("https://index.docker.io/v1/") && erased.contains("podman"), erased);

    agent.credagent("", "restore", "docker.io").requireSuccess();
    Run back = HelperInstall.helper(agent, "get", "docker.io\n").requireSuccess();
    assertTrue(back.stdout().contains("hub-secret"), back.stdout());
    RealClientsIT.audited(agent, "docker.io", "get", "");
  }

  private Run buildah(String... args) throws Exception {
    return agent.run(command("/usr/bin/buildah", args), "");
  }

  private static List<String> command(String program, String... args) {
    List<String> command = new ArrayList<>(List.of(program));
    command.addAll(List.of(args));
    return command;
  }
}
