package dev.credagent.cli;

import dev.credagent.daemon.AgentVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code credagent}: the command line of the credential agent. */
@Command(
    name = "credagent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Keeps container-registry credentials in a per-user daemon, encrypted on disk under a passphrase.",
    subcommands = {
      UnlockCommand.class, LockCommand.class, StatusCommand.class, ListCommand.class,
      StoreCommand.class, GetCommand.class, EraseCommand.class, LoginCommand.class, LogoutCommand.class, TokenCommand.class, SourceCommand.class,
      StartCommand.class, StopCommand.class, ConfigCommand.class, LogCommand.class, ImportCommand.class, SetupCommand.class, DoctorCommand.class,
      DaemonCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an error (the message says which)",
      "2:the command line is wrong",
      "3:the vault is locked: run `credagent unlock`",
      "4:no credentials are stored for that server",
      "5:wrong passphrase"
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  CREDAGENT_SOCKET  the daemon's socket (default $XDG_RUNTIME_DIR/credagent/agent.sock)",
      "  CREDAGENT_HOME    where the vault and the daemon log live (default ~/.local/share/credagent)"
    })
public final class Main implements Runnable {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((exception, command, parsed) -> {
      command.getErr().println("credagent: " + Failure.message(exception));
      return Failure.exitCode(exception);
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"credagent " + AgentVersion.VALUE};
    }
  }
}
