package dev.credagent.it.clients;

import dev.credagent.it.registry.Registry;
import dev.credagent.it.HelperInstall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import dev.credagent.it.SystemResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Two accounts on one registry (issue 33): the real docker CLI and skopeo, run in a directory bound
 * to profile "work", log in and out as the bot there, and as the user everywhere else, against
 * Debian's docker-registry holding both accounts.
 */
class ProfilesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ME = "alice";
  private static final String MY_PASSWORD = "alice's pa$$word";
  private static final String BOT = "ci-bot";
  private static final String BOT_PASSWORD = "bot \"token\" 42";
  private static final Path PODMAN = Path.of("/usr/bin/podman");

  private AgentEnvironment agent;
  private Registry registry;
  private Path work;
  private Path mine;
  private boolean ranPodman;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Registry.available(), "needs Debian's docker-registry and apache2-utils (htpasswd)");
    agent = new AgentEnvironment();
    // The POSIX locale, as CI and a user without LANG run: LC_ALL wins over whatever LANG we inherit.
    agent.env().put("LC_ALL", "C");
    HelperInstall.into(agent);
    agent.unlock("pw");
    registry = Registry.withTwoUsers(Files.createDirectories(agent.root().resolve("registry")), ME, MY_PASSWORD,
        BOT, BOT_PASSWORD);
    work = Files.createDirectories(agent.root().resolve("clients/acme/app")).toRealPath();
    mine = Files.createDirectories(agent.root().resolve("src/mine")).toRealPath();
    agent.credagent("", "profile", "add", "work", "--dir", work.getParent().toString()).requireSuccess();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (agent != null) {
      List<Long> left = List.of();
      if (ranPodman) {
        left = PodmanIT.stopPauseProcesses(agent);
      }
      agent.close();
      assertEquals(List.of(), left, "podman's pause processes outlived the test");
    }
  }

  private Run in(Path dir, String stdin, String... command) throws Exception {
    return agent.runIn(dir, List.of(command), stdin);
  }

  private Run credagentIn(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(AgentEnvironment.launcher().toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return agent.runIn(dir, command, "");
  }

  private String helperGet(Path dir) throws Exception {
    Run get = in(dir, registry.host(), HelperInstall.installed(agent).toString(), "get");
    return get.exitCode() == 0 ? JSON.readTree(get.stdout()).path("Username").asText() : "(none: " + get.stdout().strip() + ")";
  }

  /** {@code "$1"/NAME}, NAME given as octal escapes: no argument of ours holds a non-ASCII character the test's own JVM would have to encode. */
  private static String under1(String octal) {
    return "\"$1\"/$(printf '" + octal + "')";
  }

  @Test
  void aChildDirectoryNamedInUtf8IsInItsProfileInThePosixLocaleAndAnEraseThereSparesTheDefault() throws Exception {
    String helper = HelperInstall.installed(agent).toString();
    in(mine, "{\"ServerURL\":\"" + registry.host() + "\",\"Username\":\"" + ME + "\",\"Secret\":\"m\"}", helper, "store")
        .requireSuccess();
    in(work, "{\"ServerURL\":\"" + registry.host() + "\",\"Username\":\"" + BOT + "\",\"Secret\":\"b\"}", helper, "store")
        .requireSuccess();
    String cafe = under1("caf\\303\\251"); // work/café
    Run get = agent.run(List.of("/bin/sh", "-c", "mkdir " + cafe + " && cd " + cafe + " && exec \"$2\" get", "sh",
        work.toString(), helper), registry.host());
    assertEquals(0, get.exitCode(), get.stdout() + get.stderr());
    assertEquals(BOT, JSON.readTree(get.stdout()).path("Username").asText(), "café, in the work checkout, is in profile work");

    Run erase = agent.run(List.of("/bin/sh", "-c", "cd " + cafe + " && exec \"$2\" erase", "sh", work.toString(), helper),
        registry.host());
    assertEquals(0, erase.exitCode(), erase.stdout() + erase.stderr());
    assertEquals(ME, helperGet(mine), "the erase in café took the work login, not the default one");
    assertEquals(ME, helperGet(work));
  }

  @Test
  void profileAddTakesADirectoryNamedInUtf8InThePosixLocale() throws Exception {
    String jvm = AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm").toAbsolutePath().toString();
    for (String cli : List.of(jvm, AgentEnvironment.launcher().toAbsolutePath().toString())) {
      String name = cli.equals(jvm) ? "mueller" : "muller";
      String dir = under1(cli.equals(jvm) ? "m\\303\\274ller" : "m\\303\\274\\303\\274ller"); // müller, müüller
      Run add = agent.run(List.of("/bin/sh", "-c", "mkdir " + dir + " && exec \"$2\" profile add " + name + " --dir " + dir,
          "sh", agent.root().toString(), cli), "");
      assertEquals(0, add.exitCode(), cli + ": " + add.stdout() + add.stderr());
      Run which = agent.run(List.of("/bin/sh", "-c", "cd " + dir + " && exec \"$2\" profile which", "sh",
          agent.root().toString(), cli), "");
      assertEquals(name, which.requireSuccess().stdout().split(" ")[0], cli + ": " + which.stdout());
    }
  }

  @Test
  void aDirWithALineBreakIsRefusedInOneLineAndBindsNothing() throws Exception {
    Path other = Files.createDirectories(agent.root().resolve("other")).toRealPath();
    String jvm = AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm").toAbsolutePath().toString();
    for (String cli : List.of(jvm, AgentEnvironment.launcher().toAbsolutePath().toString())) {
      Run add = agent.run(List.of(cli, "profile", "add", "evil", "--dir", mine + "\n" + other), "");
      assertNotEquals(0, add.exitCode(), cli);
      assertEquals(1, add.stderr().strip().lines().count(), cli + ": " + add.stderr());
      assertTrue(add.stderr().startsWith("credagent: --dir ") && add.stderr().contains("\\x0a")
          && add.stderr().contains("has a control character"), cli + ": " + add.stderr());
    }
    assertFalse(agent.credagent("", "profile", "list").requireSuccess().stdout().contains("evil"));
    assertEquals("default", credagentIn(other, "profile", "which").requireSuccess().stdout().split(" ")[0]);
  }

  @Test
  void dockerLogsInAsTheBotInTheWorkCheckoutAndAsTheUserElsewhereAndLogoutErasesOnlyTheOne() throws Exception {
    assumeTrue(Clients.docker() != null, "needs the docker CLI");
    Clients.dockerConfig(agent, "{\"credsStore\":\"agent\"}");
    String docker = Clients.docker();

    Run asMe = in(mine, MY_PASSWORD + "\n", docker, "login", "-u", ME, "--password-stdin", registry.host());
    assertEquals(0, asMe.exitCode(), asMe.stdout() + asMe.stderr());
    Run asBot = in(work, BOT_PASSWORD + "\n", docker, "login", "-u", BOT, "--password-stdin", registry.host());
    assertEquals(0, asBot.exitCode(), asBot.stdout() + asBot.stderr());

    String workList = agent.credagent("", "list", "--profile", "work").requireSuccess().stdout();
    assertTrue(workList.contains(BOT) && !workList.contains(ME), workList);
    String defaultList = agent.credagent("", "list", "--profile", "default").requireSuccess().stdout();
    assertTrue(defaultList.contains(ME) && !defaultList.contains(BOT), defaultList);
    String all = agent.credagent("", "list").requireSuccess().stdout();
    assertTrue(all.startsWith("PROFILE") && all.contains("work ") && all.contains("default "), all);

    assertEquals(BOT, helperGet(work), "docker in the checkout gets the bot");
    assertEquals(ME, helperGet(mine));
    assertEquals(ME, helperGet(agent.root()), "a directory above the bound one is not in it");
    assertEquals("work", credagentIn(work, "profile", "which").requireSuccess().stdout().split(" ")[0]);
    String doctor = credagentIn(work, "doctor").stdout();
    assertTrue(doctor.contains("profile: work here (" + work + " is under " + work.getParent() + ")"), doctor);

    Run logout = in(work, "", docker, "logout", registry.host());
    assertEquals(0, logout.exitCode(), logout.stdout() + logout.stderr());
    assertFalse(agent.credagent("", "list", "--profile", "work").requireSuccess().stdout().contains(BOT));
    assertTrue(agent.credagent("", "list", "--profile", "default").requireSuccess().stdout().contains(ME),
        "the logout in the checkout erased only the work login");
    assertEquals(ME, helperGet(work), "the checkout falls back to the default profile's login");

    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertFalse(audit.contains(BOT_PASSWORD) || audit.contains(MY_PASSWORD), "never a secret in the audit log");
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"op\":\"store\"") && line.contains("\"profile\":\"work\"")),
        audit);
  }

  @Test
  void skopeoThroughTheHelperLogsInPerDirectoryAndCredagentProfileWinsOverTheDirectory() throws Exception {
    assumeTrue(Files.isExecutable(Clients.SKOPEO), "needs skopeo");
    // skopeo finds the helper through setup's containers drop-in (registries.conf.d), as a user's would.
    Path root = agent.root();
    Path runtime = Files.createDirectories(root.resolve("xdg-runtime"));
    Files.setPosixFilePermissions(runtime, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    agent.env().put("HOME", Files.createDirectories(root.resolve("user-home")).toString());
    agent.env().put("XDG_RUNTIME_DIR", runtime.toString());
    agent.env().put("XDG_CONFIG_HOME", root.resolve("user-home/.config").toString());
    agent.env().put("DOCKER_CONFIG", root.resolve("docker").toString());
    agent.env().remove("REGISTRY_AUTH_FILE");
    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(setup.stdout().contains("registries.conf.d/50-credagent.conf"), setup.stdout());
    Files.writeString(root.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    String skopeo = Clients.SKOPEO.toString();
    in(mine, MY_PASSWORD, skopeo, "login", "--tls-verify=false", "-u", ME, "--password-stdin", registry.host()).requireSuccess();
    in(work, BOT_PASSWORD, skopeo, "login", "--tls-verify=false", "-u", BOT, "--password-stdin", registry.host()).requireSuccess();

    assertEquals(BOT, in(work, "", skopeo, "login", "--get-login", registry.host()).requireSuccess().stdout().strip());
    assertEquals(ME, in(mine, "", skopeo, "login", "--get-login", registry.host()).requireSuccess().stdout().strip());
    agent.env().put("CREDAGENT_PROFILE", "work");
    assertEquals(BOT, in(mine, "", skopeo, "login", "--get-login", registry.host()).requireSuccess().stdout().strip(),
        "CREDAGENT_PROFILE wins over the directory");
    agent.env().put("CREDAGENT_PROFILE", "wrok");
    Run unknown = in(mine, registry.host(), HelperInstall.installed(agent).toString(), "get");
    assertNotEquals(0, unknown.exitCode(), "an unknown profile is an error, never the default's login");
    assertTrue(unknown.stdout().contains("default, work"), unknown.stdout());
    agent.env().remove("CREDAGENT_PROFILE");

    // And the bot's login opens the registry: skopeo pushes and pulls with it from the checkout.
    Path layout = agent.root().resolve("layout");
    String digest = OciLayout.write(layout, "v1");
    String image = "docker://" + registry.host() + "/acme/app:v1";
    in(work, "", skopeo, "--policy", agent.root().resolve("policy.json").toString(), "copy", "--dest-tls-verify=false",
        "oci:" + layout + ":v1", image).requireSuccess();
    JsonNode inspected = JSON.readTree(in(work, "", skopeo, "--policy", agent.root().resolve("policy.json").toString(),
        "inspect", "--tls-verify=false", image).requireSuccess().stdout());
    assertEquals(digest, inspected.path("Digest").asText());
    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"op\":\"get\"") && line.contains("\"key\":\"work:" + registry.host() + "\"")
        && line.contains("/skopeo")), audit);

    in(work, "", skopeo, "logout", registry.host()).requireSuccess();
    assertEquals(ME, in(work, "", skopeo, "login", "--get-login", registry.host()).requireSuccess().stdout().strip(),
        "skopeo logout in the checkout erased the bot's login only");
  }

  /**
   * podman finds the helper through setup's containers drop-in, as skopeo does, and runs it in its
   * own working directory: its logins, reads and logout follow the directory as docker's do.
   */
  @Test
  @ResourceLock(SystemResources.PODMAN)
  void podmanThroughSetupsDropInLogsInReadsAndLogsOutPerDirectory() throws Exception {
    assumeTrue(Files.isExecutable(PODMAN), "needs Debian's podman");
    Path root = agent.root();
    Path runtime = PodmanIT.ownPodman(agent);
    ranPodman = true;
    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(setup.stdout().contains("registries.conf.d/50-credagent.conf"), setup.stdout());
    String podman = PODMAN.toString();
    String host = registry.host();

    in(mine, MY_PASSWORD, podman, "login", "--tls-verify=false", "-u", ME, "--password-stdin", host).requireSuccess();
    in(work, BOT_PASSWORD, podman, "login", "--tls-verify=false", "-u", BOT, "--password-stdin", host).requireSuccess();
    assertTrue(agent.credagent("", "list", "--profile", "work").requireSuccess().stdout().contains(BOT),
        "podman login in the checkout stored the bot in profile work");
    assertEquals(BOT, in(work, "", podman, "login", "--get-login", host).requireSuccess().stdout().strip());
    assertEquals(ME, in(mine, "", podman, "login", "--get-login", host).requireSuccess().stdout().strip());

    // A pull in the checkout reads the bot's login.
    Path layout = root.resolve("layout");
    OciLayout.write(layout, "v1");
    Files.writeString(root.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    in(work, "", Clients.SKOPEO.toString(), "--policy", root.resolve("policy.json").toString(), "copy",
        "--dest-tls-verify=false", "oci:" + layout + ":v1", "docker://" + host + "/acme/base:v1").requireSuccess();
    in(work, "", podman, "pull", "-q", "--tls-verify=false", host + "/acme/base:v1").requireSuccess();
    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"op\":\"get\"") && line.contains("\"key\":\"work:" + host + "\"")
        && line.contains("/podman\"")), audit);

    in(work, "", podman, "logout", host).requireSuccess();
    assertEquals(ME, in(work, "", podman, "login", "--get-login", host).requireSuccess().stdout().strip(),
        "podman logout in the checkout erased the bot's login only");
    assertFalse(Files.exists(runtime.resolve("containers/auth.json"))
        && Files.readString(runtime.resolve("containers/auth.json")).contains(host), "podman wrote no login of its own");
  }

  @Test
  void credagentLoginWithProfileAndAShareMadeInItKeepItWhateverTheShareClientSays() throws Exception {
    agent.credagent(BOT_PASSWORD, "login", "--profile", "work", registry.host(), "-u", BOT, "--password-stdin").requireSuccess();
    Run mineLogin = agent.runIn(mine, List.of(AgentEnvironment.launcher().toAbsolutePath().toString(), "login", registry.host(),
        "-u", ME, "--password-stdin"), MY_PASSWORD);
    assertEquals(0, mineLogin.exitCode(), mineLogin.stderr());
    assertTrue(agent.credagent("", "list", "--profile", "work").requireSuccess().stdout().contains(BOT));
    assertTrue(agent.credagent("", "list", "--profile", "default").requireSuccess().stdout().contains(ME));

    Path share = Path.of(agent.credagent("", "share", "--print-path", "--profile", "work", "--registry", registry.host())
        .requireSuccess().stdout().strip());
    String ownSocket = agent.env().put("CREDAGENT_SOCKET", share.toString());
    agent.env().put("CREDAGENT_PROFILE", "default"); // a share client's choice: ignored
    agent.env().put("CREDAGENT_AUTOSTART", "0");
    try {
      assertEquals(BOT, helperGet(mine), "a share's profile is fixed when it is made");
    } finally {
      agent.env().put("CREDAGENT_SOCKET", ownSocket);
      agent.env().remove("CREDAGENT_PROFILE");
      agent.env().remove("CREDAGENT_AUTOSTART");
    }
    String audit = Files.readString(agent.home().resolve("audit.log"));
    assertTrue(audit.lines().anyMatch(line -> line.contains("\"share\"") && line.contains("\"op\":\"get\"")
        && line.contains("\"profile\":\"work\"")), audit);
  }

  /**
   * After an upgrade the daemon started before it runs on until restarted, and refuses every
   * header attribute but tty=: the new helper, which always sends cwd=, asks it again as it
   * expects (there is but one profile there), and refuses outright where CREDAGENT_PROFILE was set.
   */
  @Test
  void theHelperStillWorksWithADaemonFromBeforeHeaderAttributes() throws Exception {
    Path dir = Files.createDirectories(agent.root().resolve("old-run"));
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path socket = dir.resolve("agent.sock");
    List<String> headers = java.util.Collections.synchronizedList(new ArrayList<>());
    String ownSocket = agent.env().get("CREDAGENT_SOCKET");
    try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      Thread oldDaemon = Thread.ofPlatform().daemon().start(() -> {
        while (true) {
          try (java.nio.channels.SocketChannel client = server.accept()) {
            java.io.InputStream in = java.nio.channels.Channels.newInputStream(client);
            StringBuilder header = new StringBuilder();
            for (int c = in.read(); c != '\n' && c >= 0; c = in.read()) {
              header.append((char) c);
            }
            headers.add(header.toString());
            String[] parts = header.toString().split(" ");
            // The old decoder: 3 or 4 parts, a 4th only tty=; at most 512 bytes.
            boolean refused = parts.length > 4 || parts.length == 4 && !parts[3].startsWith("tty=") || header.length() > 512;
            String said = refused ? "docker-credential-agent: not a relay header\n"
                : "{\"ServerURL\":\"r.example\",\"Username\":\"old\",\"Secret\":\"s\"}\n";
            client.write(java.nio.ByteBuffer.wrap(((refused ? 1 : 0) + " " + said.length() + "\n" + said)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
          } catch (java.io.IOException closed) {
            return;
          }
        }
      });
      agent.env().put("CREDAGENT_SOCKET", socket.toString());
      agent.env().put("CREDAGENT_AUTOSTART", "0");
      Run get = in(work, "r.example", HelperInstall.installed(agent).toString(), "get");
      assertEquals(0, get.exitCode(), get.stdout() + get.stderr() + headers);
      assertTrue(get.stdout().contains("\"Username\":\"old\""), get.stdout());
      assertTrue(headers.get(0).contains(" cwd=") && !headers.get(1).contains("cwd="), headers.toString());
      // It answers the header and closes with the input unread: an input larger than the socket's
      // buffer broke the helper's pipe before it read that answer, and the helper gave up (as a
      // small one did now and then, by timing, on a busy machine).
      Run large = in(work, "r.example\n" + " ".repeat(512 * 1024), HelperInstall.installed(agent).toString(), "get");
      assertEquals(0, large.exitCode(), large.stdout() + large.stderr());
      assertTrue(large.stdout().contains("\"Username\":\"old\""), large.stdout());
      // A desktop session's DISPLAY: asked again, the display's attributes went too, and were
      // refused again; the old daemon reads tty= alone.
      agent.env().put("DISPLAY", ":0");
      Run desktop = in(work, "r.example", HelperInstall.installed(agent).toString(), "get");
      agent.env().remove("DISPLAY");
      assertEquals(0, desktop.exitCode(), desktop.stdout() + desktop.stderr() + headers);
      assertTrue(desktop.stdout().contains("\"Username\":\"old\""), desktop.stdout());

      agent.env().put("CREDAGENT_PROFILE", "work");
      Run named = in(work, "r.example", HelperInstall.installed(agent).toString(), "get");
      assertNotEquals(0, named.exitCode(), "never the old daemon's only profile in place of the one named");
      assertTrue((named.stdout() + named.stderr()).contains("older than profiles"), named.stdout() + named.stderr());
      oldDaemon.interrupt();
    } finally {
      agent.env().put("CREDAGENT_SOCKET", ownSocket);
      agent.env().remove("CREDAGENT_PROFILE");
      agent.env().remove("CREDAGENT_AUTOSTART");
    }
  }
}
