package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** setup, import, doctor, config and log on real files, through the real launcher and daemon. */
@Order(2) // among the longest classes: started first, not left to hold the run's end
class SetupIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "s3cret-" + "never-printed";
  private AgentEnvironment agent;
  private Path dockerConfig;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    Path root = agent.root();
    Files.createDirectories(root.resolve("docker"));
    Files.createDirectories(root.resolve("xdg-runtime"));
    dockerConfig = root.resolve("docker/config.json");
    agent.env().put("HOME", root.toString());
    agent.env().put("DOCKER_CONFIG", root.resolve("docker").toString());
    agent.env().put("XDG_CONFIG_HOME", root.resolve("xdg-config").toString());
    agent.env().put("XDG_RUNTIME_DIR", root.resolve("xdg-runtime").toString()); // no systemd user manager here
    agent.env().put("REGISTRY_AUTH_FILE", root.resolve("auth.json").toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  private static String auth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
  }

  private String dockerFile() {
    return "{\n\t\"auths\": {\n\t\t\"r.example:5000\": {\n\t\t\t\"auth\": \"" + auth("alice", SECRET) + "\"\n\t\t},\n"
        + "\t\t\"ghcr.io\": {\n\t\t\t\"identitytoken\": \"tok-" + SECRET + "\"\n\t\t},\n\t\t\"empty.example\": {}\n\t},\n"
        + "\t\"credsStore\": \"desktop\",\n\t\"psFormat\": \"table {{.ID}}\",\n\t\"proxies\": {\n\t\t\"default\": {\n"
        + "\t\t\t\"httpProxy\": \"http://127.0.0.1:3128\"\n\t\t}\n\t}\n}\n";
  }

  @Test
  void setupPointsDockerAtCredagentMovesThePlaintextAndKeepsEveryOtherKey() throws Exception {
    Files.writeString(dockerConfig, dockerFile());
    agent.unlock("pw");

    Run dry = agent.credagent("", "setup", "--dry-run").requireSuccess();
    assertTrue(dry.stdout().contains("would set \"credsStore\": \"agent\""), dry.stdout());
    assertEquals(dockerFile(), Files.readString(dockerConfig), "a dry run changes nothing");
    assertEquals(0, backups().size());

    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertFalse(setup.stdout().contains(SECRET) || setup.stderr().contains(SECRET), setup.stdout());
    assertTrue(setup.stdout().contains("imported  r.example:5000 (alice)"), setup.stdout());
    assertTrue(setup.stdout().contains("imported  ghcr.io (<token>)"), setup.stdout());
    assertTrue(setup.stdout().contains("remove the plaintext of 2 credential(s)"), setup.stdout());
    assertEquals("""
        {
        \t"auths": {
        \t\t"r.example:5000": {},
        \t\t"ghcr.io": {},
        \t\t"empty.example": {}
        \t},
        \t"credsStore": "agent",
        \t"psFormat": "table {{.ID}}",
        \t"proxies": {
        \t\t"default": {
        \t\t\t"httpProxy": "http://127.0.0.1:3128"
        \t\t}
        \t}
        }
        """, Files.readString(dockerConfig), "same keys, same order, docker's own layout");
    assertEquals(List.of(dockerFile()), backups().stream().map(SetupIT::read).toList(), "the file before, backed up");
    JsonNode got = JSON.readTree(agent.credagent("", "get", "r.example:5000").requireSuccess().stdout());
    assertEquals(SECRET, got.path("secret").asText());
    assertEquals("tok-" + SECRET, JSON.readTree(agent.credagent("", "get", "ghcr.io").requireSuccess().stdout()).path("secret").asText());

    String after = Files.readString(dockerConfig);
    Run again = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(again.stdout().contains("nothing to do"), again.stdout());
    assertEquals(after, Files.readString(dockerConfig), "idempotent");
    assertEquals(1, backups().size(), "and no new backup");

    Run undo = agent.credagent("", "setup", "--undo").requireSuccess();
    assertTrue(undo.stdout().contains("set \"credsStore\" back to \"desktop\""), undo.stdout());
    assertEquals(after.replace("\"credsStore\": \"agent\"", "\"credsStore\": \"desktop\""), Files.readString(dockerConfig));
    assertEquals(2, agent.credagent("", "list").requireSuccess().stdout().lines().count() - 1, "the vault keeps them");
  }

  @Test
  void aSymlinkedConfigIsRewrittenWhereItLivesAndStaysALink() throws Exception {
    Path dotfiles = Files.createDirectories(agent.root().resolve("dotfiles/docker"));
    Path target = dotfiles.resolve("config.json");
    Files.writeString(target, dockerFile());
    Files.createSymbolicLink(dockerConfig, Path.of("../dotfiles/docker/config.json"));
    agent.unlock("pw");

    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(setup.stdout().contains("remove the plaintext of 2 credential(s)"), setup.stdout());
    assertTrue(Files.isSymbolicLink(dockerConfig), "the link is still a link");
    String now = Files.readString(target);
    assertFalse(now.contains(auth("alice", SECRET)) || now.contains("tok-" + SECRET), "the plaintext left the target: " + now);
    assertTrue(now.contains("\"credsStore\": \"agent\""), now);
    try (var beside = Files.list(dotfiles)) {
      assertEquals(1, beside.filter(p -> p.getFileName().toString().startsWith("config.json.credagent-backup-")).count(),
          "the backup is beside the file it backs up");
    }
  }

  @Test
  void withoutATerminalOrYesSetupImportsButLeavesThePlaintext() throws Exception {
    Files.writeString(dockerConfig, dockerFile());
    agent.unlock("pw");
    Run setup = agent.credagent("", "setup").requireSuccess();
    assertTrue(setup.stdout().contains("the plaintext stays in " + dockerConfig + " (no terminal to ask;"), setup.stdout());
    assertTrue(Files.readString(dockerConfig).contains(auth("alice", SECRET)));
    assertTrue(Files.readString(dockerConfig).contains("\"credsStore\": \"agent\""));
    assertEquals(0, agent.credagent("", "get", "r.example:5000").exitCode(), "imported all the same");
  }

  @Test
  void aLockedVaultLeavesDockersFileAloneSoItsCredentialsStillWork() throws Exception {
    Files.writeString(dockerConfig, dockerFile());
    Run setup = agent.credagent("", "setup", "--yes").requireSuccess();
    assertTrue(setup.stdout().contains("the vault is locked: nothing was imported"), setup.stdout());
    assertEquals(dockerFile(), Files.readString(dockerConfig));
  }

  @Test
  void setupCreatesAConfigWhereThereIsNoneAndUndoRemovesItsKey() throws Exception {
    agent.credagent("", "setup").requireSuccess();
    assertEquals("{\n\t\"credsStore\": \"agent\"\n}\n", Files.readString(dockerConfig));
    agent.credagent("", "setup", "--undo").requireSuccess();
    assertEquals("{}\n", Files.readString(dockerConfig));
  }

  @Test
  void aMalformedFileIsAnErrorThatNamesItAndThePlace() throws Exception {
    Files.writeString(dockerConfig, "{\n\t\"auths\": {\n\t\t\"r.example\": {\"auth\": \"!!\"}\n\t}\n}\n");
    Run setup = agent.credagent("", "setup");
    assertEquals(1, setup.exitCode());
    agent.unlock("pw");
    Run imported = agent.credagent("", "import");
    assertEquals(1, imported.exitCode());
    assertEquals("credagent: " + dockerConfig + ": \"auths\".\"r.example\".\"auth\": not base64; nothing was imported\n",
        imported.stderr());
    Files.writeString(dockerConfig, "{\n\t\"auths\": {,\n}");
    Run broken = agent.credagent("", "import");
    assertTrue(broken.stderr().startsWith("credagent: " + dockerConfig + ": line 2, column "), broken.stderr());
  }

  /**
   * docker's config.json as a FIFO, a symlink to /dev/zero or a file past the bound: import, setup
   * --dry-run and doctor each say so in one line and exit non-zero, within the command timeout.
   * Before, the FIFO hung all three and /dev/zero ended in an OutOfMemoryError trace.
   */
  @Test
  void aFifoDevZeroOrHugeConfigJsonIsOneLineAndNoHang() throws Exception {
    agent.unlock("pw");
    Path huge = agent.root().resolve("huge.json");
    try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
      sparse.setLength(64L << 20);
    }
    for (String kind : List.of("fifo", "zero", "huge")) {
      Files.deleteIfExists(dockerConfig);
      switch (kind) {
        case "fifo" -> assertEquals(0, new ProcessBuilder("mkfifo", dockerConfig.toString()).start().waitFor());
        case "zero" -> Files.createSymbolicLink(dockerConfig, Path.of("/dev/zero"));
        default -> Files.createSymbolicLink(dockerConfig, huge);
      }
      String why = kind.equals("huge") ? " is larger than 4096 KiB, which no auth file is" : " is not a regular file; make it one, or remove it";
      for (String[] args : List.of(new String[] {"import"}, new String[] {"setup", "--dry-run"})) {
        Run run = agent.credagent("", args);
        assertEquals(1, run.exitCode(), kind + " " + List.of(args) + ": " + run.stderr());
        assertEquals("credagent: " + dockerConfig + why + "\n", run.stderr(), kind + " " + List.of(args));
      }
      Run doctor = agent.credagent("", "doctor");
      assertEquals(1, doctor.exitCode(), doctor.stdout());
      assertTrue(doctor.stdout().contains("FAIL  docker: " + dockerConfig + why + "\n"), doctor.stdout());
      assertFalse(doctor.stdout().contains("OutOfMemoryError") || doctor.stderr().contains("OutOfMemoryError"));
    }
  }

  @Test
  void importFromContainersAuthFileTwiceChangesNothingTheSecondTime() throws Exception {
    Path authJson = agent.root().resolve("auth.json");
    Files.writeString(authJson, "{\"auths\":{\"quay.io\":{\"auth\":\"" + auth("bob", SECRET) + "\"},"
        + "\"weird.example\":{\"email\":\"x@example.com\"}}}");
    agent.unlock("pw");
    Run first = agent.credagent("", "import", "--from-file").requireSuccess();
    assertTrue(first.stdout().contains("imported  quay.io (bob)"), first.stdout());
    assertTrue(first.stdout().contains("skipped   weird.example: its entry holds no auth, identitytoken or password"), first.stdout());
    Run second = agent.credagent("", "import", "--from-file", authJson.toString()).requireSuccess();
    assertTrue(second.stdout().contains("unchanged quay.io (bob): the vault holds it already"), second.stdout());
    assertTrue(second.stdout().contains("imported 0, 1 unchanged, 1 skipped"), second.stdout());

    Files.writeString(authJson, "{\"auths\":{\"quay.io\":{\"auth\":\"" + auth("bob", "other") + "\"}}}");
    Run conflict = agent.credagent("", "import", "--from-file").requireSuccess();
    assertTrue(conflict.stdout().contains("skipped   quay.io: the vault holds a different credential for it (bob); --overwrite replaces it"),
        conflict.stdout());
    agent.credagent("", "import", "--from-file", "--overwrite").requireSuccess();
    assertEquals("other", JSON.readTree(agent.credagent("", "get", "quay.io").stdout()).path("secret").asText());
    for (Run run : List.of(first, second, conflict)) {
      assertFalse(run.stdout().contains(SECRET) || run.stderr().contains(SECRET));
    }
  }

  @Test
  void doctorNamesEachFaultOfABrokenSetupAndItsFix() throws Exception {
    Files.writeString(dockerConfig, "{\"auths\":{\"r.example\":{\"auth\":\"" + auth("a", SECRET) + "\"}},"
        + "\"credHelpers\":{\"gcr.io\":\"nonesuch\"}}");
    agent.unlock("pw");
    agent.credagent("", "lock").requireSuccess();
    Files.createDirectories(agent.root().resolve("xdg-config/credagent"));
    // (A daemon would refuse to start with this file, naming the line: written once it runs.)
    Files.writeString(agent.root().resolve("xdg-config/credagent/config.toml"), "idle-ttl = \"1h\"\nmax_ttl = \"8h\"\n");
    Run doctor = agent.credagent("", "doctor");
    assertEquals(1, doctor.exitCode(), doctor.stdout());
    String out = doctor.stdout();
    assertTrue(out.contains("FAIL  config: " + agent.root().resolve("xdg-config/credagent/config.toml")
        + " line 2: unknown key 'max_ttl'; the keys are idle-ttl, max-ttl, audit-max-size"), out);
    assertTrue(out.contains("FAIL  vault: locked: run `credagent unlock`"), out);
    assertTrue(out.contains("FAIL  docker: " + dockerConfig + " has no credsStore, so docker does not ask credagent: run `credagent setup`"), out);
    assertTrue(out.contains("FAIL  docker: credHelpers sends gcr.io to docker-credential-nonesuch, which is not on PATH"), out);
    assertTrue(out.contains("FAIL  plaintext: " + dockerConfig + " holds 1 credential(s) in base64 ([r.example])"), out);
    long fails = out.lines().filter(l -> l.startsWith("FAIL")).count();
    assertEquals(Files.exists(Path.of("/usr/bin/skopeo")) ? 6 : 5, fails, out); // skopeo: not pointed at credagent yet
    assertTrue(out.endsWith(fails + " problem(s) found\n"), out);
    assertFalse(out.contains(SECRET));

    Files.delete(agent.root().resolve("xdg-config/credagent/config.toml"));
    Files.writeString(dockerConfig, "{\"credHelpers\":{\"gcr.io\":\"nonesuch\"}}");
    agent.unlock("pw");
    agent.credagent("", "setup", "--yes").requireSuccess();
    Files.writeString(dockerConfig, Files.readString(dockerConfig).replace("\"gcr.io\": \"nonesuch\"", "\"gcr.io\": \"agent\""));
    // The helper installed with this credagent, first on PATH: the distribution's own bin.
    Path bin = AgentEnvironment.dist().resolve("bin").toAbsolutePath();
    agent.env().put("PATH", bin + ":" + System.getenv("PATH"));
    Run well = agent.credagent("", "doctor");
    assertEquals(0, well.exitCode(), well.stdout());
    assertTrue(well.stdout().endsWith("all is well\n"), well.stdout());
  }

  @Test
  void configShowsTheEffectiveSettingsAndUnlockTtlShowsInStatus() throws Exception {
    Files.createDirectories(agent.root().resolve("xdg-config/credagent"));
    Files.writeString(agent.root().resolve("xdg-config/credagent/config.toml"), "idle-ttl = \"15m\"\n");
    Run config = agent.credagent("", "config").requireSuccess();
    assertTrue(config.stdout().contains("idle-ttl = \"15m\"\nmax-ttl = \"8h\"\naudit-max-size = \"4MiB\""), config.stdout());
    agent.credagent("pw\n", "unlock", "--passphrase-stdin", "--ttl", "30m").requireSuccess();
    JsonNode status = JSON.readTree(agent.credagent("", "status", "--json").requireSuccess().stdout());
    assertTrue(status.path("maxLockSeconds").asLong() > 1700 && status.path("maxLockSeconds").asLong() <= 1800, status.toString());
    assertTrue(status.path("idleLockSeconds").asLong() > 800 && status.path("idleLockSeconds").asLong() <= 900, status.toString());
    assertTrue(agent.credagent("", "status").stdout().contains("idle lock in 1"), "human status shows the time left");
  }

  @Test
  void theAuditLogSaysWhichProgramAskedAndNeverTheSecret() throws Exception {
    agent.unlock("pw");
    agent.credagent(SECRET, "store", "r.example", "-u", "alice").requireSuccess();
    Run viaShell = agent.run(List.of("sh", "-c", "exec " + AgentEnvironment.launcher() + " get r.example"), "");
    viaShell.requireSuccess();
    agent.credagent("", "get", "other.example");
    String raw = Files.readString(agent.home().resolve("audit.log"));
    assertFalse(raw.contains(SECRET), raw);
    Run log = agent.credagent("", "log", "--json", "--server", "r.example").requireSuccess();
    List<JsonNode> lines = log.stdout().lines().map(SetupIT::json).toList();
    assertEquals(List.of("store", "get"), lines.stream().map(l -> l.path("op").asText()).toList());
    JsonNode get = lines.get(1);
    assertEquals("ok", get.path("outcome").asText());
    // The native credagent relayed it: the caller is that program itself, no JVM in between.
    assertTrue(get.path("exe").asText().endsWith("/bin/credagent"), get.toString());
    Run human = agent.credagent("", "log").requireSuccess();
    assertTrue(human.stdout().contains("get           other.example                not_found"), human.stdout());
  }

  @Test
  void logFollowStartsWithTheLastTenLinesAndPrintsEachNewLineAsItIsWritten() throws Exception {
    agent.unlock("pw");
    for (int i = 0; i < 12; i++) {
      agent.credagent("first\n", "store", "s" + i + ".example", "-u", "before").requireSuccess();
    }
    ProcessBuilder builder = new ProcessBuilder(AgentEnvironment.launcher().toString(), "log", "--follow");
    builder.environment().putAll(agent.env());
    Process follow = builder.start();
    try (java.io.BufferedReader out = new java.io.BufferedReader(
        new java.io.InputStreamReader(follow.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
      // As tail -f: the last ten lines of the history (stores s2..s11), not the unlock and the first stores.
      for (int i = 2; i < 12; i++) {
        String line = readLine(out);
        assertTrue(line.contains("store") && line.contains(" s" + i + ".example "), i + ": " + line);
      }
      agent.credagent("", "erase", "s0.example").requireSuccess();
      String followed = readLine(out); // written after the follower's first read: only following prints it
      assertTrue(followed.contains("erase") && followed.contains("s0.example") && followed.contains("ok"), followed);
    } finally {
      follow.destroyForcibly().waitFor();
    }
  }

  private static String readLine(java.io.BufferedReader out) throws Exception {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).get(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  private List<Path> backups() throws Exception {
    try (Stream<Path> files = Files.list(dockerConfig.getParent())) {
      return files.filter(p -> p.getFileName().toString().startsWith("config.json.credagent-backup-")).toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }
}
