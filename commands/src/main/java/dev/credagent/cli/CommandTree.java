package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.transport.CommandRelay;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@link Main}'s command tree, ready for one command line after another: picocli resets every
 * option to its initial value before each parse, and the commands reach whichever {@link Session}
 * runs now. Building the tree (picocli reading every command's annotations) costs more than
 * running most commands, so the daemon keeps one per thread that runs relayed commands; the JVM
 * CLI builds one for its one command line. Built as far as a command line needs: a line that
 * starts with a command's name gets a tree of that command alone. Not for two threads at once: a
 * parse fills its objects.
 */
final class CommandTree {
  private final SessionSwitch session = new SessionSwitch();
  private final boolean wholeOnly;
  /** The whole tree, made when a command line first needs it (help, completion, a mistake). */
  private CommandLine whole;
  /**
   * A tree per command that started a command line here, holding that command alone: keyed only by
   * the names of commands, so at most one per command, whatever the command lines said.
   */
  private final Map<String, CommandLine> single = new HashMap<>();

  CommandTree() {
    this(false);
  }

  private CommandTree(boolean wholeOnly) {
    this.wholeOnly = wholeOnly;
  }

  /** A tree that always uses the whole tree, as every command line did before: what tests compare with. */
  static CommandTree wholeOnly() {
    return new CommandTree(true);
  }

  /** The tree for {@code args}: the one of the command it starts with, else the whole tree. */
  private CommandLine cli(String... args) {
    if (args.length > 0 && !wholeOnly) {
      CommandLine one = single.get(args[0]);
      if (one == null) {
        one = Main.commandLine(session, args[0]).orElse(null);
        if (one != null) {
          single.put(args[0], one);
        }
      }
      if (one != null) {
        return one;
      }
    }
    if (whole == null) {
      whole = Main.commandLine(session);
    }
    return whole;
  }

  /** Runs {@code args} in {@code current} and returns the exit code; everything it printed is flushed. */
  int run(Session current, String... args) {
    CommandLine cli = cli(args);
    session.current = current;
    PrintWriter out = new PrintWriter(current.out(), true);
    PrintWriter err = new PrintWriter(current.err(), true);
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
      session.current = null;
    }
  }

  /**
   * Runs a command line the native credagent relayed, in the daemon: only one that {@link
   * #relayInput} says runs there, checked again on this very line, so that nothing the daemon must
   * never run in itself ({@code stop}, {@code config}, {@code daemon}) can, whatever was sent.
   */
  int runRelayed(Session current, List<String> args) {
    if (relayInput(args) == CommandRelay.Input.HAND_BACK) {
      current.err().println("credagent: this command does not run in the daemon; run it with credagent-jvm");
      current.err().flush();
      return ExitCode.ERROR;
    }
    return run(current, args.toArray(String[]::new));
  }

  /**
   * Whether the native credagent's command line {@code args} runs in the daemon, and with what of
   * standard input; decided by the same parse that runs it. A command line picocli refuses runs
   * there too, to say why (as the JVM CLI would, word for word); so do --help and --version.
   */
  CommandRelay.Input relayInput(List<String> args) {
    ParseResult parsed;
    try {
      String[] line = args.toArray(String[]::new);
      parsed = cli(line).parseArgs(line);
    } catch (CommandLine.ParameterException wrong) {
      return CommandRelay.Input.NONE;
    }
    for (ParseResult level = parsed; ; level = level.subcommand()) {
      if (level.isUsageHelpRequested() || level.isVersionHelpRequested()) {
        return CommandRelay.Input.NONE;
      }
      if (!level.hasSubcommand()) {
        Object command = level.commandSpec().userObject();
        if (command instanceof CommandLine.HelpCommand) {
          return CommandRelay.Input.NONE;
        }
        return command instanceof Relayable relayable ? relayable.relayInput() : CommandRelay.Input.HAND_BACK;
      }
    }
  }

  /** The session the tree's commands were made with: whichever runs now. */
  private static final class SessionSwitch implements Session {
    private Session current;

    @Override
    public InputStream in() {
      return current.in();
    }

    @Override
    public PrintStream out() {
      return current.out();
    }

    @Override
    public PrintStream err() {
      return current.err();
    }

    @Override
    public Optional<Console> terminal() {
      return current.terminal();
    }

    @Override
    public String cwd() {
      return current.cwd();
    }

    @Override
    public AgentPaths paths() {
      return current.paths();
    }

    @Override
    public JsonNode call(ClientRequest request) throws IOException {
      return current.call(request);
    }

    @Override
    public JsonNode callRunning(ClientRequest request) throws IOException {
      return current.callRunning(request);
    }

    @Override
    public ClientRequest withPromptPlaces(ClientRequest request) {
      return current.withPromptPlaces(request);
    }
  }
}
