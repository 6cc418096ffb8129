package dev.credagent.it.terminal;

import static dev.credagent.it.terminal.PinentryIT.TMUX;
import static dev.credagent.it.terminal.PinentryIT.tmux;
import static dev.credagent.it.terminal.PinentryIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Executables;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bash completion (share/bash-completion/completions/credagent), driven for real: bash sources
 * it and its function runs on a command line, as readline runs it at a Tab, and once through a
 * tmux pane's Tab keys. Issue 30, item 12: {@code credagent get <Tab>} offered file names; now it
 * offers the servers a running daemon holds, asked through the native credagent, which starts
 * neither a JVM nor a daemon for it (a {@code java} on PATH that records being run says so).
 */
class CompletionIT {
  private AgentEnvironment agent;
  private Path javaRan;
  private Path fakeJava;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    // A java that says it was run: the completion must never start one (nor, through it, a daemon).
    fakeJava = Files.createDirectory(agent.root().resolve("fake-java"));
    javaRan = agent.root().resolve("java-ran");
    Path java = fakeJava.resolve("java");
    Executables.script(java, "#!/bin/sh\necho \"$@\" >> '" + javaRan + "'\nexit 1\n", "rwxr-xr-x");
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  private static Path script() {
    return AgentEnvironment.dist().resolve("share/bash-completion/completions/credagent");
  }

  /** What bash's completion function offers for {@code line} (the cursor at its end), one a line. */
  private Run complete(String line) throws Exception {
    String driver = """
        source "$1"
        COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
        read -r -a COMP_WORDS <<< "$COMP_LINE"; [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _credagent_complete
        printf '%s\\n' "${COMPREPLY[@]}"
        """;
    List<String> command = new ArrayList<>(List.of("env", "-u", "JAVA_HOME",
        "PATH=" + fakeJava + ":" + AgentEnvironment.dist().resolve("bin") + ":/usr/bin:/bin",
        "bash", "--norc", "--noprofile", "-c", driver, "bash", script().toString(), line));
    return agent.run(command, "");
  }

  private List<String> offered(String line) throws Exception {
    Run run = complete(line).requireSuccess();
    assertEquals("", run.stderr(), "completion said something at a Tab");
    return run.stdout().lines().filter(l -> !l.isEmpty()).toList();
  }

  @Test
  void serversSharesAndCommandsComeFromTheDaemonAndNeverFileNames() throws Exception {
    agent.unlock("pw");
    agent.credagent("s\n", "store", "registry.example:5000", "-u", "alice").requireSuccess();
    agent.credagent("s\n", "store", "ghcr.io", "-u", "bob").requireSuccess();
    Files.writeString(agent.root().resolve("a-file-here"), "");

    long started = System.nanoTime();
    assertEquals(List.of("ghcr.io", "registry.example:5000"), offered("credagent get "));
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("CompletionIT: credagent get <Tab> answered in %d ms (bash started included)%n", millis);
    assertEquals(List.of("ghcr.io"), offered("credagent get gh"));
    assertEquals(List.of("5000"), offered("credagent erase registry.example:"), "readline keeps what precedes the ':'");
    assertEquals(List.of("ghcr.io", "registry.example:5000"), offered("credagent logout "));
    assertEquals(List.of("keyslot"), offered("credagent keys"));
    assertEquals(List.of("add"), offered("credagent keyslot a"));
    assertEquals(List.of("--login", "--recovery"), offered("credagent keyslot add --").subList(0, 2));
    assertEquals(List.of(), offered("credagent get ghcr.io "), "get takes one SERVER");
    assertEquals(List.of(), offered("credagent store ghcr.io -u "), "a username is not offered");

    agent.credagent("", "erase", "ghcr.io").requireSuccess();
    assertEquals(List.of("ghcr.io"), offered("credagent restore "));
    String share = agent.credagent("", "share", "--print-path", "--registry", "ghcr.io").requireSuccess().stdout().strip();
    assertEquals(List.of(share), offered("credagent share --stop "));
    assertTrue(offered("credagent import --from-file " + agent.root() + "/a-f").getFirst().endsWith("a-file-here"),
        "a PATH parameter completes file names");
    assertFalse(Files.exists(javaRan), "completion ran java: " + (Files.exists(javaRan) ? Files.readString(javaRan) : ""));
  }

  @Test
  void aLockedVaultOrNoDaemonCompletesNothingQuietlyAndStartsNothing() throws Exception {
    assertEquals(List.of(), offered("credagent get "));
    assertFalse(Files.exists(agent.socket()), "completion started a daemon");
    assertFalse(Files.exists(javaRan), "completion ran java");

    agent.unlock("pw");
    agent.credagent("s\n", "store", "ghcr.io", "-u", "bob").requireSuccess();
    agent.credagent("", "lock").requireSuccess();
    assertEquals(List.of(), offered("credagent get "));
    assertFalse(Files.exists(javaRan), "completion ran java");
  }

  @Test
  void aHostileServerNameIsOfferedQuotedAndNeverRun() throws Exception {
    agent.unlock("pw");
    Path ran = agent.root().resolve("ran");
    String hostile = "x$(touch${IFS}" + ran + ")";
    agent.credagent("s\n", "store", hostile, "-u", "u").requireSuccess();
    agent.credagent("s\n", "store", "*.example.com", "-u", "u", "--pattern").requireSuccess();
    List<String> offered = offered("credagent get ");
    assertFalse(Files.exists(ran), "a server name was run by the completion");
    assertTrue(offered.contains("\\*.example.com"), offered.toString());
    // What the completion offers is a word that bash reads back as the stored name, nothing run.
    String hostileWord = offered.stream().filter(w -> w.startsWith("x")).findFirst().orElseThrow();
    Run echoed = agent.run(List.of("bash", "--norc", "--noprofile", "-c", "printf '%s' " + hostileWord), "").requireSuccess();
    assertEquals(hostile, echoed.stdout());
    assertFalse(Files.exists(ran), "the offered word ran something");
  }

  @Test
  void aTabInZshOffersTheStoredServers() throws Exception {
    Path zsh = Path.of("/usr/bin/zsh");
    assumeTrue(Files.isExecutable(TMUX) && Files.isExecutable(zsh), "needs tmux and zsh");
    agent.unlock("pw");
    agent.credagent("s\n", "store", "registry.example:5000", "-u", "alice").requireSuccess();
    agent.credagent("s\n", "store", "ghcr.io", "-u", "bob").requireSuccess();
    String socket = "-S" + agent.root().resolve("tmux.sock");
    // zsh ties $path to $PATH: a completion variable of that name once emptied PATH, and nothing was found.
    String shell = PinentryIT.env(agent) + " PATH='" + fakeJava + ":" + AgentEnvironment.dist().resolve("bin")
        + ":/usr/bin:/bin' JAVA_HOME=/nonexistent " + zsh + " -f";
    Path completions = AgentEnvironment.dist().resolve("share/zsh/vendor-completions");
    try {
      tmux(socket, "new-session", "-d", "-s", "z", "-x", "160", "-y", "20", shell);
      // As installed: on fpath, autoloaded by compinit at the first Tab, which it completes too.
      tmux(socket, "send-keys", "-t", "z", "fpath=(" + completions + " $fpath); autoload -U compinit && compinit -u", "Enter");
      tmux(socket, "send-keys", "-t", "z", "credagent get ", "Tab");
      String screen = waitFor(socket, "z", "registry.example:5000");
      assertTrue(screen.contains("ghcr.io"), screen);
      tmux(socket, "send-keys", "-t", "z", "C-u", "credagent get gh", "Tab");
      waitFor(socket, "z", "credagent get ghcr.io");
    } finally {
      PinentryIT.killServer(socket);
    }
    assertFalse(Files.exists(javaRan), "completion ran java");
  }

  @Test
  void aTabInATerminalOffersTheStoredServers() throws Exception {
    assumeTrue(Files.isExecutable(TMUX), "needs tmux");
    agent.unlock("pw");
    agent.credagent("s\n", "store", "registry.example:5000", "-u", "alice").requireSuccess();
    agent.credagent("s\n", "store", "ghcr.io", "-u", "bob").requireSuccess();
    String socket = "-S" + agent.root().resolve("tmux.sock");
    String shell = PinentryIT.env(agent) + " PATH='" + fakeJava + ":" + AgentEnvironment.dist().resolve("bin")
        + ":/usr/bin:/bin' JAVA_HOME=/nonexistent PS1='$ ' bash --norc --noprofile";
    try {
      tmux(socket, "new-session", "-d", "-s", "tab", "-x", "160", "-y", "20", shell);
      tmux(socket, "send-keys", "-t", "tab", "source " + script() + "; cd " + agent.root(), "Enter");
      tmux(socket, "send-keys", "-t", "tab", "credagent get ", "Tab", "Tab");
      String screen = waitFor(socket, "tab", "registry.example:5000");
      assertTrue(screen.contains("ghcr.io"), screen);
      assertFalse(screen.contains("fake-java"), "file names were offered:\n" + screen);
      tmux(socket, "send-keys", "-t", "tab", "gh", "Tab");
      waitFor(socket, "tab", "credagent get ghcr.io");
    } finally {
      PinentryIT.killServer(socket);
    }
    assertFalse(Files.exists(javaRan), "completion ran java");
  }
}
