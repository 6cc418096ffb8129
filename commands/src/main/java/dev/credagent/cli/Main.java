package dev.credagent.cli;

import dev.credagent.failure.ErrorCode;
import dev.credagent.version.AgentVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code credagent}: the command line of the credential agent. */
@Command(
    name = "credagent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Keeps container-registry credentials in a per-user daemon, encrypted on disk under a passphrase.",
    subcommands = {
      UnlockCommand.class, LockCommand.class, PasswdCommand.class, KeyslotCommand.class, StatusCommand.class, ListCommand.class,
      StoreCommand.class, GetCommand.class, EraseCommand.class, RestoreCommand.class, LoginCommand.class, LogoutCommand.class, TokenCommand.class, SourceCommand.class, ShareCommand.class, ProfileCommand.class
      // then the local commands (LocalCommands, from client-cli), help and complete: commandLine() adds them
    },
    exitCodeListHeading = "%nExit codes:%n", // the list: ErrorCode.exitCodes(), set in commandLine()
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  CREDAGENT_SOCKET     the daemon's socket; by default",
      "                       $XDG_RUNTIME_DIR/credagent/agent.sock, or without",
      "                       XDG_RUNTIME_DIR, $TMPDIR/credagent-UID/agent.sock",
      "                       ($TMPDIR: /tmp where unset)",
      "  CREDAGENT_HOME       the vault, the audit log and the daemon log; by default",
      "                       $XDG_DATA_HOME/credagent, or ~/.local/share/credagent",
      "  CREDAGENT_CONFIG     the settings; by default",
      "                       ~/.config/credagent/config.toml",
      "  CREDAGENT_AUTOSTART  0: never start a daemon (the far side of a share)"
    })
public final class Main implements Runnable, Relayable {
  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    RootHome.refuseAnotherUsersHome();
    if (Local.COMMANDS.isEmpty()) {
      System.err.println("credagent: the JVM CLI's own part (credagent-cli's jar) is not on the class path");
      System.exit(ExitCode.ERROR);
    }
    System.exit(run(Local.COMMANDS.get().session(), args));
  }

  /** Runs one command line in {@code session}: the JVM's own, or one the native credagent relayed. */
  static int run(Session session, String... args) {
    return new CommandTree().run(session, args);
  }

  /**
   * The command tree, each command made with {@code session} (see {@link Session}), without
   * colours: help reads the same relayed or not, on a terminal or in a pipe.
   */
  public static CommandLine commandLine(Session session) {
    CommandLine cli = new CommandLine(new Main(), new SessionFactory(session));
    // The local commands, where this runs beside the CLI's module (always, in an installation): in
    // the daemon they are parsed, so that they are handed back and --help lists them, never run.
    Local.COMMANDS.ifPresent(local -> local.commands().forEach(cli::addSubcommand));
    cli.addSubcommand(CommandLine.HelpCommand.class);
    cli.addSubcommand(CompleteCommand.class);
    // No @file expansion: `credagent @audit.log` printed the file in an error, and in the daemon a
    // file read twice could turn a relayable command line into `stop` between the two reads.
    cli.setExpandAtFiles(false);
    cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    Map<String, String> exitCodes = new LinkedHashMap<>();
    ErrorCode.exitCodes().forEach((code, meaning) -> exitCodes.put(code.toString(), meaning));
    cli.getCommandSpec().usageMessage().exitCodeList(exitCodes);
    HelpText.reflow(cli);
    cli.setExecutionExceptionHandler((exception, command, parsed) -> {
      command.getErr().println("credagent: " + TerminalText.escape(Failure.message(exception)));
      return Failure.exitCode(exception);
    });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Makes each command that takes a {@link Session} with this one; anything else as picocli would. */
  private record SessionFactory(Session session) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        return type.getDeclaredConstructor(Session.class).newInstance(session);
      } catch (NoSuchMethodException noSession) {
        return CommandLine.defaultFactory().create(type);
      }
    }
  }

  /** Found once: the JVM CLI's module, through ServiceLoader (META-INF/services); empty in a daemon without it. */
  private static final class Local {
    static final Optional<LocalCommands> COMMANDS =
        ServiceLoader.load(LocalCommands.class, Main.class.getClassLoader()).findFirst();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"credagent " + AgentVersion.describe()};
    }
  }
}
