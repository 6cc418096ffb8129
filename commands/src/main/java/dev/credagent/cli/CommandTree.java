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
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@link Main}'s command tree, ready for one command line after another: picocli resets every
 * option to its initial value before each parse, and the commands reach whichever {@link Session}
 * runs now. Building the tree (picocli reading every command's annotations) costs more than
 * running most commands, so the daemon keeps one per thread that runs relayed commands; the JVM
 * CLI builds one for its one command line. Not for two threads at once: a parse fills its objects.
 */
final class CommandTree {
  private final SessionSwitch session = new SessionSwitch();
  private final CommandLine cli = Main.commandLine(session);

  /** Runs {@code args} in {@code current} and returns the exit code; everything it printed is flushed. */
  int run(Session current, String... args) {
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
      parsed = cli.parseArgs(args.toArray(String[]::new));
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
