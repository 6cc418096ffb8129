package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * bin/credagent, the native front end, against the JVM CLI it stands in for (credagent-jvm): the
 * same command lines give the same standard output, standard error and exit code, whether the
 * daemon ran them or the JVM did.
 */
@Order(2) // among the longest classes: started first, not left to hold the run's end
class NativeCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private AgentEnvironment agent;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  private static Path jvm() {
    return AgentEnvironment.dist().resolve("lib/credagent/credagent-jvm");
  }

  private Run relayed(String stdin, String... args) throws Exception {
    return agent.credagent(stdin, args);
  }

  private Run inJvm(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(jvm().toString()));
    command.addAll(List.of(args));
    return agent.run(command, stdin);
  }

  /** The program that made the last request the audit log holds. */
  private String lastCaller() throws Exception {
    List<String> lines = Files.readAllLines(agent.home().resolve("audit.log"));
    JsonNode last = JSON.readTree(lines.getLast());
    return last.path("exe").asText();
  }

  @Test
  void everyCommandLineAnswersAsTheJvmCliAnswersIt() throws Exception {
    agent.unlock("pw");
    inJvm("s3cret\n", "store", "r.example:5000", "-u", "alice").requireSuccess();
    List<List<String>> commandLines = List.of(
        List.of(), List.of("--help"), List.of("--version"), List.of("help", "store"), List.of("store", "--help"),
        List.of("list"), List.of("list", "--json"), List.of("get", "r.example:5000"),
        List.of("get", "nobody.example"), List.of("get"), List.of("bogus"), List.of("list", "--bogus"),
        List.of("erase", "nobody.example"), List.of("logout", "nobody.example"), List.of("source"),
        List.of("source", "list"), List.of("source", "add", "x.example"),
        List.of("token", "127.0.0.1:1", "--scope", "repository:a:pull"),
        List.of("unlock", "--ttl", "forever", "--passphrase-stdin"));
    for (List<String> args : commandLines) {
      String[] argv = args.toArray(String[]::new);
      assertEquals(inJvm("", argv), relayed("", argv), "credagent " + String.join(" ", args));
    }
  }

  @Test
  void whatACommandPrintsIsTheSameBytesInEveryLocaleAndEitherWay() throws Exception {
    agent.unlock("pw");
    // Non-ASCII on stdin (argv would pass through the test JVM's own locale first).
    inJvm("s3cr\u00e9t-\u2713\n", "store", "r.example:5000", "-u", "jorg").requireSuccess();
    Run reference = null;
    for (String locale : List.of("C", "C.UTF-8", "POSIX")) {
      agent.env().put("LC_ALL", locale);
      agent.env().remove("LANG");
      try {
        for (Run run : List.of(inJvm("", "get", "r.example:5000"), relayed("", "get", "r.example:5000"),
            inJvm("", "list"), relayed("", "list"))) {
          assertEquals(0, run.exitCode(), locale + ": " + run.stderr());
          assertFalse(run.stdout().contains("?"), locale + ": " + run.stdout());
        }
        Run get = inJvm("", "get", "r.example:5000");
        assertTrue(get.stdout().contains("\"username\":\"jorg\"") && get.stdout().contains("s3cr\u00e9t-\u2713"),
            locale + ": " + get.stdout());
        if (reference == null) {
          reference = get;
        }
        assertEquals(reference, get, "the Java CLI prints the same in " + locale);
        assertEquals(get, relayed("", "get", "r.example:5000"), "relayed or not, in " + locale);
      } finally {
        agent.env().remove("LC_ALL");
      }
    }
  }

  @Test
  void aRelayedCommandIsRunByTheDaemonForTheNativeProgram() throws Exception {
    agent.unlock("pw");
    Run stored = relayed("s3cret\n", "store", "r.example:5000", "-u", "alice").requireSuccess();
    assertEquals("", stored.stdout());
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the store came from " + lastCaller());
    Run got = relayed("", "get", "r.example:5000").requireSuccess();
    assertEquals("s3cret", JSON.readTree(got.stdout()).path("secret").asText());
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the get came from " + lastCaller());
    inJvm("", "get", "r.example:5000").requireSuccess();
    assertTrue(!lastCaller().endsWith("/bin/credagent"), "the JVM CLI's get came from " + lastCaller());
  }

  @Test
  void aRegistryThatDoesNotAnswerIsNamedWithWhatWentWrong() throws Exception {
    agent.unlock("pw");
    relayed("x\n", "store", "127.0.0.1:1", "-u", "alice").requireSuccess();
    Run token = relayed("", "token", "127.0.0.1:1", "--scope", "repository:a:pull");
    assertEquals(1, token.exitCode());
    // It said ": null" when the JDK's exception had no message (a refused connection).
    assertEquals("credagent: cannot reach 127.0.0.1:1 at http://127.0.0.1:1: the connection was refused (nothing listens on that port?)\n",
        token.stderr());
  }

  @Test
  void tooMuchStandardInputIsRefusedInTheSameWordsEitherWay() throws Exception {
    agent.unlock("pw");
    String huge = "x".repeat(2 * 1024 * 1024);
    Run relayed = relayed(huge, "store", "r.example:5000", "-u", "alice");
    assertEquals(inJvm(huge, "store", "r.example:5000", "-u", "alice"), relayed);
    assertEquals("credagent: standard input holds more than 1048576 bytes\n", relayed.stderr());
    assertEquals(4, relayed("", "get", "r.example:5000").exitCode(), "and nothing was stored");
  }

  /**
   * `passwd --passphrase-stdin` reads two lines. The relay sent only the first MiB of its input,
   * and a second line cut there read as a whole one: "passphrase changed", to one nobody typed.
   */
  @Test
  void inputTheRelayCannotSendWholeIsRefusedNotCut() throws Exception {
    agent.unlock("pw");
    String cut = "pw\n" + "z".repeat(1024 * 1024 - 1) + "\n"; // each line within the limit, the two past it
    Run passwd = relayed(cut, "passwd", "--passphrase-stdin");
    assertEquals(1, passwd.exitCode(), passwd.stdout() + passwd.stderr());
    assertEquals("credagent: standard input holds more than 1048576 bytes\n", passwd.stderr());
    relayed("", "lock").requireSuccess();
    relayed("pw\n", "unlock", "--passphrase-stdin").requireSuccess(); // the passphrase is as it was
  }

  /**
   * A daemon stopped (SIGSTOP) after it took a relayed command: the relay handed the command to the
   * JVM CLI after 10 s, which sent it again, and the daemon ran both once it resumed (two shares
   * opened, an erase run twice; found by the adversarial pass). Now the relay says so and stops.
   */
  @Test
  void aDaemonThatTookTheCommandAndStalledRunsItOnceAndTheUserIsTold() throws Exception {
    agent.unlock("pw");
    relayed("x\n", "store", "stall.example", "-u", "alice").requireSuccess();
    long pid = agent.daemonPid();
    new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
    Run erase;
    try {
      erase = relayed("", "erase", "stall.example");
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
    }
    assertEquals(1, erase.exitCode(), erase.stdout() + erase.stderr());
    assertTrue(erase.stderr().contains("took the command but did not answer within 10 s (it is stopped or hung)"), erase.stderr());
    relayed("", "status").requireSuccess(); // the daemon has resumed, and answered the erase before this
    long erases = Files.readAllLines(agent.home().resolve("audit.log")).stream()
        .filter(line -> line.contains("\"op\":\"erase\"")).count();
    assertTrue(erases <= 1, "the erase ran at most once (the daemon may drop a command whose client left), never again through the JVM CLI");
  }

  @Test
  void theLockedVaultAndItsUnlockThroughStandardInputAreRelayedToo() throws Exception {
    agent.unlock("pw");
    relayed("", "lock").requireSuccess();
    Run locked = relayed("", "get", "r.example:5000");
    assertEquals(inJvm("", "get", "r.example:5000"), locked);
    assertEquals(3, locked.exitCode());
    Run unlock = relayed("pw\nthe rest is not read\n", "unlock", "--passphrase-stdin").requireSuccess();
    assertEquals("vault unlocked\n", unlock.stdout());
    assertTrue(lastCaller().endsWith("/bin/credagent"), "the unlock came from " + lastCaller());
  }

  @Test
  void withNoDaemonTheJvmCliStartsOneAndAnswers() throws Exception {
    Run status = relayed("", "status").requireSuccess();
    assertTrue(status.stdout().startsWith("daemon:  not running"), status.stdout());
    Run get = relayed("", "get", "r.example:5000");
    assertEquals(3, get.exitCode(), get.stderr());
    assertEquals("credagent: the credagent vault is locked; run `credagent unlock`\n", get.stderr());
    assertTrue(relayed("", "status").requireSuccess().stdout().startsWith("daemon:  running"));
  }

  @Test
  void whatMustPromptOrReadTheUsersFilesRunsInTheJvmCli() throws Exception {
    agent.unlock("pw");
    Run prompt = relayed("", "unlock");
    assertEquals(inJvm("", "unlock"), prompt);
    assertEquals("credagent: no terminal to ask for the passphrase; pipe it in with `credagent unlock --passphrase-stdin`\n",
        prompt.stderr());
    Run config = relayed("", "config").requireSuccess();
    assertTrue(config.stdout().startsWith("# "), config.stdout());
  }
}
