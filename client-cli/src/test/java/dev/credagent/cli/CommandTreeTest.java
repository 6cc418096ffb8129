package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Response;
import dev.credagent.caller.Caller;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.RequestHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The tree the daemon reuses for relayed command lines: what runs there, and nothing carried over. */
class CommandTreeTest {
  private final List<String> requests = new ArrayList<>();
  private final RequestHandler daemon = (caller, line) -> {
    requests.add(new String(line, StandardCharsets.UTF_8).strip());
    return CompletableFuture.completedFuture(Response.ok().with("credentials", Map.of("r.example:5000", "alice")));
  };
  private final CommandTree tree = new CommandTree();

  private String run(String... args) {
    return run(tree, args);
  }

  private String run(CommandTree tree, String... args) {
    RelayedSession session = new RelayedSession(daemon, Caller.self(),
        new AgentPaths(Path.of("/home/x"), Path.of("/run/x/agent.sock")), new byte[0]);
    int code = tree.run(session, args);
    return code + ":" + new String(session.output(), StandardCharsets.UTF_8) + new String(session.errors(), StandardCharsets.UTF_8);
  }

  private CommandRelay.Input input(String... args) {
    return tree.relayInput(List.of(args));
  }

  @Test
  void commandsThatOnlyTalkToTheDaemonRunThere() {
    assertEquals(CommandRelay.Input.NONE, input("get", "r"));
    assertEquals(CommandRelay.Input.NONE, input("list", "--json"));
    assertEquals(CommandRelay.Input.NONE, input("status"));
    assertEquals(CommandRelay.Input.NONE, input("token", "r", "--scope", "repository:a:pull"));
    assertEquals(CommandRelay.Input.NONE, input("source", "add", "r", "--exec", "x"));
    assertEquals(CommandRelay.Input.ALL, input("store", "r", "-u", "alice"));
    assertEquals(CommandRelay.Input.LINE, input("unlock", "--passphrase-stdin"));
    assertEquals(CommandRelay.Input.LINE, input("login", "r", "-u", "alice", "--password-stdin"));
  }

  @Test
  void helpVersionAndWrongCommandLinesRunThereToo() {
    assertEquals(CommandRelay.Input.NONE, input());
    assertEquals(CommandRelay.Input.NONE, input("--help"));
    assertEquals(CommandRelay.Input.NONE, input("--version"));
    assertEquals(CommandRelay.Input.NONE, input("help", "setup"));
    assertEquals(CommandRelay.Input.NONE, input("setup", "--help"));
    assertEquals(CommandRelay.Input.NONE, input("bogus"));
    assertEquals(CommandRelay.Input.NONE, input("get"));
  }

  @Test
  void promptsTheUsersFilesAndTheDaemonItselfAreHandedBack() {
    assertEquals(CommandRelay.Input.HAND_BACK, input("unlock"));
    assertEquals(CommandRelay.Input.HAND_BACK, input("login", "r"));
    assertEquals(CommandRelay.Input.HAND_BACK, input("login", "r", "--password-stdin"));
    for (String local : List.of("setup", "doctor", "import", "log", "config", "start", "stop", "daemon")) {
      assertEquals(CommandRelay.Input.HAND_BACK, input(local), local);
    }
  }

  @Test
  void noAtFileIsExpandedAndACommandThatIsNotRelayableNeverRunsInTheDaemon(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = java.nio.file.Files.writeString(dir.resolve("args"), "stop\n");
    assertEquals(CommandRelay.Input.NONE, input("@" + file), "an unknown command, said as such: not `stop`");
    String said = run("@" + file);
    assertTrue(said.startsWith("2:") && !said.contains("stop\n") && said.contains("@" + file), said);
    RelayedSession session = new RelayedSession(daemon, Caller.self(),
        new AgentPaths(Path.of("/home/x"), Path.of("/run/x/agent.sock")), new byte[0]);
    requests.clear();
    assertEquals(ExitCode.ERROR, tree.runRelayed(session, List.of("stop")));
    assertEquals(List.of(), requests, "nothing reached the daemon");
    String secretFile = java.nio.file.Files.writeString(dir.resolve("secret"), "TOPSECRET\n").toString();
    assertTrue(!run("get", "--", "@" + secretFile).contains("TOPSECRET"));
  }

  @Test
  void everyCommandsSummaryIsOneCompleteSentenceInAscii() {
    java.util.Deque<picocli.CommandLine> all = new java.util.ArrayDeque<>(List.of(Main.commandLine(null)));
    while (!all.isEmpty()) {
      picocli.CommandLine command = all.pop();
      all.addAll(command.getSubcommands().values());
      picocli.CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
      String summary = usage.header().length > 0 ? usage.header()[0]
          : usage.description().length > 0 ? usage.description()[0] : "";
      if (command.getCommandName().equals("help")) {
        continue; // picocli's own
      }
      assertTrue(summary.endsWith("."), command.getCommandName() + ": " + summary);
      assertTrue(summary.chars().allMatch(c -> c < 0x7f), command.getCommandName() + ": " + summary);
    }
  }

  /**
   * A command line that starts with a command's name runs in a tree of that command alone (picocli
   * then reads one command's annotations, not thirty): it must parse, refuse and print exactly as
   * the whole tree does, for every command and subcommand, and hand back or relay alike.
   */
  @Test
  void aTreeOfOneCommandAnswersEveryLineAsTheWholeTreeDoes() {
    CommandTree whole = CommandTree.wholeOnly();
    List<List<String>> lines = new ArrayList<>();
    for (var top : Main.commandLine(null).getSubcommands().entrySet()) {
      String name = top.getKey();
      lines.add(List.of(name, "--help"));
      lines.add(List.of(name, "--no-such-option"));
      lines.add(List.of(name, "-Z"));
      lines.add(List.of(name, "lst", "x", "y", "z", "w"));
      for (String sub : top.getValue().getSubcommands().keySet()) {
        lines.add(List.of(name, sub, "--help"));
        lines.add(List.of(name, sub, "--no-such-option"));
      }
    }
    lines.addAll(List.of(List.of("status"), List.of("list", "--json"), List.of("store", "r", "-u", "alice"), List.of("unlock"),
        List.of("unlock", "--passphrase-stdin"), List.of("stop"), List.of("config"), List.of("get"), List.of("--help"),
        List.of("help", "status"), List.of("stat"), List.of("lst"), List.of("--version"), List.of()));
    assertTrue(lines.size() > 100, "the lines cover the tree: " + lines.size());
    for (List<String> line : lines) {
      String[] args = line.toArray(String[]::new);
      assertEquals(whole.relayInput(line), tree.relayInput(line), String.join(" ", line));
      if (tree.relayInput(line) == CommandRelay.Input.NONE) { // what runs without a prompt or the user's files
        assertEquals(run(whole, args), run(tree, args), String.join(" ", line));
      }
    }
  }

  /** {@code credagent status --version} printed nothing, exit 0: picocli gives a subcommand no version of its own. */
  @Test
  void everyCommandAndSubcommandPrintsTheVersionTheRootDoes() {
    String version = run("--version");
    assertTrue(version.startsWith("0:credagent "), version);
    for (var top : Main.commandLine(null).getSubcommands().entrySet()) {
      if (!top.getValue().getCommandSpec().optionsMap().containsKey("--version")) {
        continue; // help, whose one option is --help
      }
      assertEquals(version, run(top.getKey(), "--version"), top.getKey());
      assertEquals(version, run(CommandTree.wholeOnly(), top.getKey(), "--version"), top.getKey() + ", the whole tree");
      for (String sub : top.getValue().getSubcommands().keySet()) {
        assertEquals(version, run(top.getKey(), sub, "--version"), top.getKey() + " " + sub);
      }
    }
  }

  @Test
  void noOptionCarriesOverFromOneCommandLineToTheNext() {
    assertEquals("0:{\"r.example:5000\":\"alice\"}\n", run("list", "--json"));
    assertEquals("0:PROFILE  SERVER          USERNAME\ndefault  r.example:5000  alice\n", run("list"));
    requests.clear();
    run("source", "add", "r", "--exec", "aws ecr get-login-password", "--username", "AWS", "--env", "A=1");
    run("source", "add", "r", "--helper", "gcloud");
    assertEquals(2, requests.size());
    assertTrue(requests.get(1).contains("\"helper\":\"gcloud\""), requests.get(1));
    assertTrue(!requests.get(1).contains("exec") && !requests.get(1).contains("AWS") && !requests.get(1).contains("A=1"),
        requests.get(1));
  }

  @Test
  void aWrongCommandLineSaysWhatPicocliSaysWithExitTwo() {
    String answer = run("get");
    assertTrue(answer.startsWith("2:Missing required parameter: 'SERVER'"), answer);
  }

  /**
   * A relayed `keyslot add --recovery --passphrase-stdin` prints the key into the reply: the
   * daemon's answer's undelivered action (a recovery slot nobody saw the key of) goes with the
   * reply, for the transport to run where the reply cannot be written. It was dropped with the
   * answer, so a native credagent gone before the reply left no trace of the slot.
   */
  @Test
  void aRelayedCommandsReplyCarriesTheUndeliveredActionsOfTheAnswersItPrinted() {
    List<String> said = new ArrayList<>();
    RequestHandler adding = (caller, line) -> CompletableFuture.completedFuture(Response.ok()
        .with("recovery_key", dev.credagent.vault.Secret.adopt("ABCD-EFGH".toCharArray()))
        .ifUndelivered(() -> said.add("slot 2 lost")));
    RelayedSession session = new RelayedSession(adding, Caller.self(),
        new AgentPaths(Path.of("/home/x"), Path.of("/run/x/agent.sock")), "pw\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, tree.run(session, "keyslot", "add", "--recovery", "--passphrase-stdin"));
    assertTrue(new String(session.output(), StandardCharsets.UTF_8).contains("ABCD-EFGH"));
    assertEquals(List.of(), said, "nothing is said while the reply may still leave");
    session.undelivered();
    assertEquals(List.of("slot 2 lost"), said);
  }
}
