package dev.credagent.it.share;

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
import dev.credagent.it.clients.Clients;
import dev.credagent.it.registry.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * A share forwarded to "another machine": a real {@code ssh -R} through an sshd of the test's own on
 * 127.0.0.1 (or, where openssh-server is missing, socat relaying the socket as ssh would), and
 * skopeo on that side pulls from a password-protected registry through the helper, with no
 * password written there. The share serves what its patterns allow, refuses the rest, and stops
 * answering when its TTL ends.
 */
@Order(2) // among the longest classes: started first, not left to hold the run's end
class ShareIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "alice";
  private static final String PASSWORD = "shared pa$$word";
  private static final Path SOCAT = Path.of("/usr/bin/socat");

  private AgentEnvironment agent;
  private Registry registry;
  private Process relay;
  private SshForward ssh;
  private Path remote;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    assumeTrue(SshForward.available() || Files.isExecutable(SOCAT), "needs openssh-server and -client, or socat");
    agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("pw");
    registry = Registry.withHtpasswd(Files.createDirectories(agent.root().resolve("registry")), USER, PASSWORD);
    agent.credagent(PASSWORD + "\n", "store", registry.host(), "-u", USER).requireSuccess();
    agent.credagent("other-secret\n", "store", "other.example", "-u", "bob").requireSuccess();
    remote = Files.createDirectory(agent.root().resolve("remote"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (relay != null) {
      relay.destroyForcibly().waitFor();
    }
    if (ssh != null) {
      ssh.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  /** Opens a share for the registry and forwards remote/agent.sock to it: ssh -R, or socat. */
  private Path shareAndForward(String ttl) throws Exception {
    Path share = Path.of(agent.credagent("", "share", "--print-path", "--registry", registry.host(), "--ttl", ttl)
        .requireSuccess().stdout().strip());
    Path forwarded = remote.resolve("agent.sock");
    if (SshForward.available()) {
      ssh = SshForward.start(agent.root().resolve("ssh"), forwarded, share);
      return share;
    }
    relay = new ProcessBuilder(SOCAT.toString(), "UNIX-LISTEN:" + forwarded + ",fork", "UNIX-CONNECT:" + share)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    for (int i = 0; i < 200 && !Files.exists(forwarded); i++) {
      Thread.sleep(10);
    }
    return share;
  }

  /** The session ends: ssh disconnects, or the relay stops. */
  private void endForwarding() throws Exception {
    if (ssh != null) {
      ssh.disconnect();
    }
    if (relay != null) {
      relay.destroyForcibly().waitFor();
    }
  }

  /**
   * The helper the far side runs: the static one, as a container would have it bind-mounted, where
   * it was built (it needs the static C library); else the ordinary one.
   */
  private Path remoteHelper() throws Exception {
    Path staticHelper = HelperInstall.staticHelperBinary();
    if (!Files.isExecutable(staticHelper)) {
      return HelperInstall.installed(agent);
    }
    Path copy = remote.resolve("docker-credential-agent");
    dev.credagent.it.Executables.copy(staticHelper, copy);
    return copy;
  }

  /** Runs {@code command} as on the remote side: its socket the forwarded one, and no autostart. */
  private Run onTheRemoteSide(List<String> command, String stdin) throws Exception {
    Map<String, String> local = new HashMap<>(agent.env());
    agent.env().put("CREDAGENT_SOCKET", remote.resolve("agent.sock").toString());
    agent.env().put("CREDAGENT_AUTOSTART", "0");
    agent.env().put("REGISTRY_AUTH_FILE", remote.resolve("auth.json").toString());
    try {
      return agent.run(command, stdin);
    } finally {
      agent.env().clear();
      agent.env().putAll(local);
    }
  }

  @Test
  void skopeoOverTheForwardedShareGetsOnlyWhatTheShareAllows() throws Exception {
    assertTrue(Clients.pushAndPullThroughTheHelper(agent, registry.host(), "team/app"), "pushed here first");
    shareAndForward("1h");
    Files.writeString(remote.resolve("auth.json"), "{\"credHelpers\":{\"" + registry.host() + "\":\"agent\"}}");

    Path pulled = remote.resolve("pulled");
    Run pull = onTheRemoteSide(List.of(Clients.SKOPEO.toString(), "--policy", agent.root().resolve("policy.json").toString(),
        "copy", "--src-tls-verify=false", "docker://" + registry.host() + "/team/app:v1", "oci:" + pulled + ":v1"), "");
    assertEquals(0, pull.exitCode(), pull.stdout() + pull.stderr());
    try (Stream<Path> files = Files.walk(remote)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertFalse(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1).contains(PASSWORD),
            "no password written on the remote side: " + file);
      }
    }

    Path helperBinary = remoteHelper();
    assertEquals("credentials not found in native keychain\n",
        onTheRemoteSide(List.of(helperBinary.toString(), "get"), "other.example\n").stdout(), "outside the share");
    JsonNode listed = JSON.readTree(onTheRemoteSide(List.of(helperBinary.toString(), "list"), "").requireSuccess().stdout());
    assertEquals(List.of(registry.host()), listed.propertyStream().map(Map.Entry::getKey).toList(),
        "the list names only what it serves");
    Run store = onTheRemoteSide(List.of(helperBinary.toString(), "store"),
        "{\"ServerURL\":\"x.example\",\"Username\":\"u\",\"Secret\":\"s\"}");
    assertEquals(1, store.exitCode());
    assertTrue(store.stdout().contains("it serves get, token and list only"), store.stdout());
    Run unlock = onTheRemoteSide(List.of(AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm").toString(),
        "lock"), "");
    assertTrue(unlock.stderr().contains("forbidden") || unlock.stderr().contains("serves get, token and list only"), unlock.stderr());
    assertEquals(4, agent.credagent("", "get", "x.example").exitCode(), "nothing was stored through the share");
    assertTrue(agent.credagent("", "status").requireSuccess().stdout().contains("unlocked"), "and nothing locked");

    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"op\":\"get\"") && line.contains("\"server\":\"" + registry.host() + "\"")
        && line.contains("\"share\":\"share-") && line.contains("\"outcome\":\"ok\"")), audit);
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"op\":\"store\"") && line.contains("\"outcome\":\"forbidden\"")), audit);
  }

  @Test
  void theShareStopsAnsweringWhenItsTtlEndsAndNothingStartsInItsPlace() throws Exception {
    // 5 s: the status and the first get through ssh must come before the end, and took more than
    // 2 s with the other test classes running beside this one on two loaded cores.
    Path share = shareAndForward("5s");
    Path helperBinary = remoteHelper();
    assertTrue(agent.credagent("", "status").requireSuccess().stdout().contains("share:   " + share), "status lists it");
    assertEquals(0, onTheRemoteSide(List.of(helperBinary.toString(), "get"), registry.host() + "\n").exitCode());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Run after;
    do {
      Thread.sleep(250);
      after = onTheRemoteSide(List.of(helperBinary.toString(), "get"), registry.host() + "\n");
    } while (after.exitCode() == 0 && System.nanoTime() < deadline);
    assertEquals(1, after.exitCode(), "the share ended");
    assertTrue(after.stdout().contains("the credagent share closed the connection before answering"), after.stdout());
    assertFalse(Files.exists(share), "its socket is gone");
    assertFalse(Files.exists(remote.resolve("agent.sock.lock")), "no daemon was started on the remote side");
    assertFalse(agent.credagent("", "status").requireSuccess().stdout().contains("share:"), "status no longer lists it");

    endForwarding();
    Run gone = onTheRemoteSide(List.of(helperBinary.toString(), "get"), registry.host() + "\n");
    assertEquals(1, gone.exitCode());
    assertTrue(gone.stdout().contains("CREDAGENT_AUTOSTART=0: no daemon is started here"), gone.stdout());
  }

  @Test
  void aShareIsStoppedByItsPath() throws Exception {
    Path share = Path.of(agent.credagent("", "share", "--print-path").requireSuccess().stdout().strip());
    assertTrue(Files.exists(share));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(share)));
    agent.credagent("", "share", "--stop", share.toString()).requireSuccess();
    assertFalse(Files.exists(share));
    Run again = agent.credagent("", "share", "--stop", share.toString());
    assertEquals(4, again.exitCode(), again.stderr());
  }

  /**
   * Issue 29, item 14: after {@code share --stop}, a client with CREDAGENT_SOCKET naming the share's
   * path (and no CREDAGENT_AUTOSTART=0) was answered by the home's daemon through its recorded
   * socket, and with no home here a daemon was started bound on the share's path. A socket named
   * explicitly is the only one used, and a share's path, once the share is gone, says so: through
   * the helper and through the CLI, with the home's daemon up and with no home at all.
   */
  @Test
  void aStoppedSharesPathIsAnsweredAsGoneNeverByTheHomesDaemonNorByANewOne() throws Exception {
    Path dir = Files.createDirectory(agent.root().resolve("ci"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path share = dir.resolve("agent.sock");
    agent.credagent("", "share", "--socket", share.toString(), "--registry", registry.host()).requireSuccess();
    List<String> helperGet = List.of(HelperInstall.installed(agent).toString(), "get");
    List<String> cliGet = List.of(AgentEnvironment.launcher().toString(), "get", registry.host());
    Path noHome = agent.root().resolve("no-home");
    assertEquals(0, namingSocket(share, null, helperGet, registry.host() + "\n").exitCode(), "served while open");
    agent.credagent("", "share", "--stop", share.toString()).requireSuccess();

    for (Path home : java.util.Arrays.asList(null, noHome)) {
      Run helper = namingSocket(share, home, helperGet, registry.host() + "\n");
      assertEquals(1, helper.exitCode(), helper.stdout());
      assertFalse(helper.stdout().contains(PASSWORD), "answered in the share's place: " + helper.stdout());
      assertTrue(helper.stdout().contains("the credagent share on " + share + " has ended"), helper.stdout());
      Run cli = namingSocket(share, home, cliGet, "");
      assertTrue(cli.exitCode() != 0, cli.stdout());
      assertFalse(cli.stdout().contains(PASSWORD), "answered in the share's place: " + cli.stdout());
      assertTrue(cli.stderr().contains("the credagent share on " + share + " has ended"), cli.stderr());
      assertFalse(Files.exists(share), "no daemon was bound on the share's path (home " + home + ")");
    }
    assertFalse(Files.exists(noHome), "no vault home was made for a daemon in the share's place");
  }

  /** Runs {@code command} with CREDAGENT_SOCKET naming {@code socket}, autostart as by default, and {@code home} if not null. */
  private Run namingSocket(Path socket, Path home, List<String> command, String stdin) throws Exception {
    Map<String, String> local = new HashMap<>(agent.env());
    agent.env().put("CREDAGENT_SOCKET", socket.toString());
    agent.env().remove("CREDAGENT_AUTOSTART");
    if (home != null) {
      agent.env().put("CREDAGENT_HOME", home.toString());
    }
    try {
      return agent.run(command, stdin);
    } finally {
      agent.env().clear();
      agent.env().putAll(local);
    }
  }

  /** Runs credagent with its socket the share's, as a script on the far side would. */
  private Run throughShare(Path share, String... args) throws Exception {
    Map<String, String> local = new HashMap<>(agent.env());
    agent.env().put("CREDAGENT_SOCKET", share.toString());
    agent.env().put("CREDAGENT_AUTOSTART", "0");
    try {
      return agent.credagent("", args);
    } finally {
      agent.env().clear();
      agent.env().putAll(local);
    }
  }

  @Test
  void aShareForOneOrganisationNeverHandsOutTheHostWideLogin() throws Exception {
    agent.credagent("PERSONAL\n", "store", "ghcr.example", "-u", "me").requireSuccess();
    agent.credagent("ORG-C\n", "store", "--pattern", "ghcr.example/org-c/", "-u", "org-c").requireSuccess();
    Path share = Path.of(agent.credagent("", "share", "--print-path", "--registry", "ghcr.example/org-b/")
        .requireSuccess().stdout().strip());
    Run leak = throughShare(share, "get", "ghcr.example/org-b/app");
    assertEquals(4, leak.exitCode(), leak.stdout() + leak.stderr());
    assertFalse(leak.stdout().contains("PERSONAL"), leak.stdout());
    Path orgC = Path.of(agent.credagent("", "share", "--print-path", "--registry", "ghcr.example/org-c/")
        .requireSuccess().stdout().strip());
    Run served = throughShare(orgC, "get", "ghcr.example/org-c/app").requireSuccess();
    assertTrue(served.stdout().contains("ORG-C") && !served.stdout().contains("PERSONAL"), served.stdout());
    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"server\":\"ghcr.example/org-b/app\"")
        && line.contains("\"key\":\"ghcr.example\"") && line.contains("\"outcome\":\"not_found\"")), audit);
  }

  @Test
  void aBlankPatternIsRefusedAndSharesMadeAlikeGetNamesOfTheirOwn() throws Exception {
    Run blank = agent.credagent("", "share", "--registry", "");
    assertEquals(2, blank.exitCode(), blank.stderr());
    assertTrue(blank.stderr().contains("--registry needs a pattern"), blank.stderr());
    Path a = Files.createDirectory(agent.root().resolve("a"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path b = Files.createDirectory(agent.root().resolve("b"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Run first = agent.credagent("", "share", "--socket", a.resolve("agent.sock").toString()).requireSuccess();
    Run second = agent.credagent("", "share", "--socket", b.resolve("agent.sock").toString()).requireSuccess();
    assertTrue(first.stdout().startsWith("share agent on "), first.stdout());
    assertTrue(second.stdout().startsWith("share agent-2 on "), second.stdout());
  }
}
