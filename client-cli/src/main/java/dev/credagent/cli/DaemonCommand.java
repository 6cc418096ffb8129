package dev.credagent.cli;

import dev.credagent.config.AgentConfig;
import dev.credagent.daemon.Daemon;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = {
      "Runs the daemon in the foreground, logging to standard error.",
      "Other commands start it on their own when nothing answers on the socket."
    })
final class DaemonCommand implements Callable<Integer> {
  @Option(names = "--detached", hidden = true, description = "Started by another command: ignore SIGHUP.")
  boolean detached;

  @Override
  public Integer call() throws Exception {
    return run(detached);
  }

  /** Runs the daemon until it stops; {@link DaemonMain} calls this without building the command tree. */
  static int run(boolean detached) throws Exception {
    configureLogging();
    if (detached) {
      // The terminal that started us may close; we outlive it, as gpg-agent does.
      Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
    }
    AgentPaths paths = Agent.paths();
    // The native credagent's command lines run here, through the same command tree as this one.
    Daemon daemon = Daemon.start(paths, CurrentUser.uid(), AgentConfig.file(System.getenv()),
        requests -> new RelayedCommands(requests, paths));
    daemon.awaitStopped();
    return ExitCode.OK;
  }

  private static void configureLogging() {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
    LogManager.getLogManager().reset();
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.INFO);
    Logger root = Logger.getLogger("");
    root.setLevel(Level.INFO);
    root.addHandler(handler);
  }
}
