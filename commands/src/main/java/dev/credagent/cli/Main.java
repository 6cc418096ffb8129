package dev.credagent.cli;

import dev.credagent.failure.ErrorCode;
import dev.credagent.version.AgentVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
    // The commands are Main.RELAYED, then the local ones (LocalCommands, from client-cli), help and
    // complete: commandLine() adds them, all of them or the one a command line names.
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

  /** The commands the daemon can run, in the order {@code --help} lists them. */
  private static final List<Class<?>> RELAYED = List.of(
      UnlockCommand.class, LockCommand.class, PasswdCommand.class, KeyslotCommand.class, StatusCommand.class, ListCommand.class,
      StoreCommand.class, GetCommand.class, EraseCommand.class, RestoreCommand.class, LoginCommand.class, LogoutCommand.class,
      TokenCommand.class, SourceCommand.class, ShareCommand.class, ProfileCommand.class);

  /**
   * The command tree, each command made with {@code session} (see {@link Session}), without
   * colours: help reads the same relayed or not, on a terminal or in a pipe.
   */
  public static CommandLine commandLine(Session session) {
    CommandLine cli = new CommandLine(new Main(), new SessionFactory(session));
    RELAYED.forEach(cli::addSubcommand);
    // The local commands, where this runs beside the CLI's module (always, in an installation): in
    // the daemon they are parsed, so that they are handed back and --help lists them, never run.
    Local.COMMANDS.ifPresent(local -> local.commands().forEach(cli::addSubcommand));
    cli.addSubcommand(CommandLine.HelpCommand.class);
    cli.addSubcommand(CompleteCommand.class);
    return configured(cli);
  }

  /**
   * The tree with only the command {@code name} under the root, or empty where {@code name} is no
   * command's name (an option, {@code help}, {@code __complete}, a mistake: those need the whole
   * tree). A command line that starts with a command's name parses and prints the same with this
   * tree as with the whole one (CommandTreeTest compares them), and picocli reads one command's
   * annotations instead of some thirty: the JVM CLI and a daemon's first relayed command each spent
   * ~0.2 s of CPU more building the whole tree than running their command (docs/design.md).
   */
  static Optional<CommandLine> commandLine(Session session, String name) {
    Class<?> command = Names.COMMANDS.get(name);
    if (command == null) {
      return Optional.empty();
    }
    CommandLine cli = new CommandLine(new Main(), new SessionFactory(session));
    cli.addSubcommand(command);
    return Optional.of(configured(cli));
  }

  /** What every tree gets once its commands are in: picocli applies these to the commands there now. */
  private static CommandLine configured(CommandLine cli) {
    // No @file expansion: `credagent @audit.log` printed the file in an error, and in the daemon a
    // file read twice could turn a relayable command line into `stop` between the two reads.
    cli.setExpandAtFiles(false);
    cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    Map<String, String> exitCodes = new LinkedHashMap<>();
    ErrorCode.exitCodes().forEach((code, meaning) -> exitCodes.put(code.toString(), meaning));
    cli.getCommandSpec().usageMessage().exitCodeList(exitCodes);
    HelpText.reflow(cli);
    sayTheVersion(cli, new Version());
    cli.setExecutionExceptionHandler((exception, command, parsed) -> {
      command.getErr().println("credagent: " + TerminalText.escape(Failure.message(exception)));
      return Failure.exitCode(exception);
    });
    return cli;
  }

  /**
   * Gives every command below {@code cli} the root's version: picocli gives a subcommand none of
   * its own, and {@code credagent status --version} printed nothing, exit 0.
   */
  private static void sayTheVersion(CommandLine cli, Version version) {
    for (CommandLine command : cli.getSubcommands().values()) {
      if (command.getCommandSpec().version().length == 0) {
        command.getCommandSpec().versionProvider(version);
      }
      sayTheVersion(command, version);
    }
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

  /** Each top-level command by its names (name and aliases, from its annotation), help and complete aside. */
  private static final class Names {
    static final Map<String, Class<?>> COMMANDS = byName();

    private static Map<String, Class<?>> byName() {
      List<Class<?>> commands = new ArrayList<>(RELAYED);
      Local.COMMANDS.ifPresent(local -> commands.addAll(local.commands()));
      Map<String, Class<?>> byName = new HashMap<>();
      for (Class<?> command : commands) {
        Command annotation = command.getAnnotation(Command.class);
        byName.put(annotation.name(), command);
        for (String alias : annotation.aliases()) {
          byName.put(alias, command);
        }
      }
      return Map.copyOf(byName);
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
