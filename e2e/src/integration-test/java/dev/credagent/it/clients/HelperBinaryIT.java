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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** docker-credential-agent as docker and skopeo spawn it: one process per action, stdin in, stdout out. */
@Order(2) // among the longest classes: started first, not left to hold the run's end
class HelperBinaryIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;
  private Path binary;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    binary = HelperInstall.into(agent);
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  private static String storeJson(String server, String user, String secret) throws Exception {
    return JSON.writeValueAsString(java.util.Map.of("ServerURL", server, "Username", user, "Secret", secret)) + "\n";
  }

  @Test
  void theHelperStartsTheDaemonWhenNothingAnswersAndTellsThatItIsLocked() throws Exception {
    HelperInstall.ownHome(agent); // the socket is named (CREDAGENT_SOCKET): a daemon is started on it for a home of ours only
    Run locked = helper(agent, "get", "registry.example.com\n"); // Run also proves stdout reached EOF
    assertEquals(1, locked.exitCode());
    assertEquals("the credagent vault is locked; run `credagent unlock`\n", locked.stdout());
    assertTrue(Files.exists(agent.socket()), "the daemon was started and keeps running");
    agent.unlock("pw");
    assertEquals("{}\n", helper(agent, "list", "").requireSuccess().stdout());
  }

  /**
   * Issue 29, item 14: a socket named in CREDAGENT_SOCKET with nothing on it and no vault home here is
   * the far side of a share that has ended (ssh -R, a bind mount). The helper started a daemon bound
   * on it, with an empty vault, which then kept the next forward from binding; now it starts none.
   */
  @Test
  void aSocketNamedExplicitlyWithNoVaultHomeHereStartsNoDaemonOnIt() throws Exception {
    Path noHome = agent.root().resolve("no-home");
    agent.env().put("CREDAGENT_HOME", noHome.toString());
    Run refused = helper(agent, "get", "registry.example.com\n");
    assertEquals(1, refused.exitCode(), refused.stdout());
    assertTrue(refused.stdout().contains("which CREDAGENT_SOCKET names, and there is no credagent vault here: no daemon "
        + "is started on it"), refused.stdout());
    assertFalse(Files.exists(agent.socket()), "no daemon was bound on the named socket");
    assertFalse(Files.exists(noHome), "and no vault home was made");
  }

  @Test
  void secretsRoundTripByteForByte() throws Exception {
    agent.unlock("pw");
    List<String> secrets = List.of("quo\"tes\\back", "$(rm -rf ~) `x` ${HOME}", "unicodé 日本 😀🔑",
        "  leading and trailing  ", "line1\nline2\r\n", "x".repeat(8192), "<token>&<script>");
    for (int i = 0; i < secrets.size(); i++) {
      String server = "https://r" + i + ".example:5000/v1/";
      helper(agent, "store", storeJson(server, "user" + i, secrets.get(i))).requireSuccess();
      JsonNode got = JSON.readTree(helper(agent, "get", server + "\n").requireSuccess().stdout());
      assertEquals(server, got.path("ServerURL").asText());
      assertEquals("user" + i, got.path("Username").asText());
      assertEquals(secrets.get(i), got.path("Secret").asText(), "secret " + i);
    }
  }

  @Test
  void goEncoderEscapesAreReadAndWritten() throws Exception {
    agent.unlock("pw");
    helper(agent, "store", "{\"ServerURL\":\"r\",\"Username\":\"\\u003ctoken\\u003e\",\"Secret\":\"a\\u0026b\"}\n").requireSuccess();
    assertEquals("{\"ServerURL\":\"r\",\"Username\":\"\\u003ctoken\\u003e\",\"Secret\":\"a\\u0026b\"}\n",
        helper(agent, "get", "r").requireSuccess().stdout());
  }

  @Test
  void storingAgainReplacesEvenWithAnotherUsernameAndEraseForgets() throws Exception {
    agent.unlock("pw");
    helper(agent, "store", storeJson("r", "alice", "one")).requireSuccess();
    helper(agent, "store", storeJson("r", "bob", "two")).requireSuccess();
    assertEquals("{\"r\":\"bob\"}\n", helper(agent, "list", "").requireSuccess().stdout());
    helper(agent, "erase", "r\n").requireSuccess();
    Run gone = helper(agent, "get", "r\n");
    assertEquals(1, gone.exitCode());
    assertEquals("credentials not found in native keychain\n", gone.stdout());
  }

  @Test
  void errorsAreUpstreamsOnStdoutWithExitOne() throws Exception {
    agent.unlock("pw");
    assertEquals(new Run(1, "no credentials server URL\n", ""), helper(agent, "get", ""));
    assertEquals(new Run(1, "no credentials username\n", ""), helper(agent, "store", "{\"ServerURL\":\"r\",\"Secret\":\"s\"}"));
    Run invalid = helper(agent, "store", "{not json");
    assertEquals(1, invalid.exitCode());
    assertTrue(invalid.stdout().startsWith("invalid JSON") && invalid.stdout().lines().count() == 1, invalid.stdout());
    assertEquals(new Run(1, "Usage: docker-credential-agent <store|get|erase|list|version>\n", ""),
        helper(agent, "frobnicate", ""));
    assertEquals(1, agent.run(List.of(binary.toString()), "").exitCode());
    assertTrue(helper(agent, "version", "").requireSuccess().stdout().startsWith("docker-credential-agent (credagent) "));
  }

  @Test
  void inputOverOneMebibyteIsRefusedClearly() throws Exception {
    agent.unlock("pw");
    Run big = agent.run(List.of(binary.toString(), "store"), new byte[1024 * 1024 + 1]);
    assertEquals(1, big.exitCode());
    assertTrue(big.stdout().contains("larger than 1048576 bytes"), big.stdout());
  }

  @Test
  void withoutCredagentBesideItTheHelperFailsAtOnceWithAReason() throws Exception {
    Path alone = Files.createDirectories(agent.root().resolve("alone"));
    dev.credagent.it.Executables.copy(binary, alone.resolve("docker-credential-agent"));
    HelperInstall.ownHome(agent); // a home of ours: the helper would start a daemon on the named socket, if it could
    Run run = agent.run(List.of(alone.resolve("docker-credential-agent").toString(), "get"), "r\n");
    assertEquals(1, run.exitCode());
    assertTrue(run.stdout().contains("cannot be run to start the daemon"), run.stdout());
  }

  @Test
  void sixtyFourCredentialsAndTwoHundredFiftySixGetsThirtyTwoAtATime() throws Exception {
    agent.unlock("pw");
    for (int i = 0; i < 64; i++) {
      helper(agent, "store", storeJson("registry-" + i + ".example", "u" + i, "secret-" + i)).requireSuccess();
    }
    ExecutorService inFlight = Executors.newFixedThreadPool(32);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int call = 0; call < 256; call++) {
        int i = call % 64;
        answers.add(inFlight.submit(() -> helper(agent, "get", "registry-" + i + ".example\n").requireSuccess().stdout()));
      }
      for (int call = 0; call < 256; call++) {
        int i = call % 64;
        assertEquals("{\"ServerURL\":\"registry-" + i + ".example\",\"Username\":\"u" + i + "\",\"Secret\":\"secret-" + i + "\"}\n",
            answers.get(call).get());
      }
    } finally {
      inFlight.shutdownNow();
    }
  }

  @Test
  void valgrindFindsNoMemoryErrorInTheRelay() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/valgrind")), "needs valgrind");
    agent.unlock("pw");
    // The dynamically linked build of the same source: valgrind cannot follow a static glibc (the
    // distribution's bin/docker-credential-agent is the static one where it could be built).
    Path dynamic = Path.of(System.getProperty("credagent.helper.dynamic", binary.toString()));
    List<String> valgrind = List.of("/usr/bin/valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
        "--errors-for-leak-kinds=definite", dynamic.toString());
    List<String[]> calls = List.of(new String[] {"store", storeJson("r", "u", "s".repeat(5000))},
        new String[] {"get", "r\n"}, new String[] {"list", ""}, new String[] {"get", "missing\n"},
        new String[] {"nope", ""});
    for (String[] call : calls) {
      List<String> command = new ArrayList<>(valgrind);
      command.add(call[0]);
      Run run = agent.run(command, call[1]);
      assertTrue(run.exitCode() != 99, "valgrind: " + run.stderr());
      assertEquals("", run.stderr(), "valgrind reported for " + call[0]);
    }
  }
}
