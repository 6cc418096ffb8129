package dev.credagent.cli;

import dev.credagent.config.AgentConfig;
import dev.credagent.daemon.AnsweredFailures;
import dev.credagent.daemon.Daemon;
import dev.credagent.daemon.DetachedOutput;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
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

  @Option(names = "--log-after-start", hidden = true,
      description = "Standard output and error are a pipe to whoever started us: the log goes there once listening.")
  boolean logAfterStart;

  @Override
  public Integer call() throws Exception {
    return run(detached, logAfterStart);
  }

  /** Runs the daemon until it stops; {@link DaemonMain} calls this without building the command tree. */
  static int run(boolean detached, boolean logAfterStart) throws Exception {
    configureLogging();
    StartLines start = logAfterStart ? StartLines.keep() : null;
    if (detached) {
      // The terminal that started us may close; we outlive it, as gpg-agent does.
      Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
    }
    AgentPaths paths = Agent.paths();
    // The native credagent's command lines run here, through the same command tree as this one.
    Daemon daemon = Daemon.start(paths, CurrentUser.uid(), AgentConfig.file(System.getenv()),
        requests -> new RelayedCommands(requests, paths));
    if (start != null) {
      // Listening: from now on what we say goes to the log, and the end of the pipe the helper's
      // autostart gave us tells it we are up (it started us directly, with no JVM in between).
      if (DetachedOutput.to(paths.log())) {
        start.replay(); // what we said while starting goes into the log too, first
      } else {
        System.out.close(); // no dup2 here: at least the pipe ends, so the starter does not wait in vain
        System.err.close();
      }
    }
    daemon.awaitStopped();
    return ExitCode.OK;
  }

  /**
   * The log lines of the start, kept while they go to the starter's pipe, and written into the log
   * once it is on our output: the log then has the whole start, as when the daemon's output was
   * the log from the first line. Bounded: a start says a few lines.
   */
  private static final class StartLines extends Handler {
    private static final int MAX = 200;
    private final List<String> lines = new ArrayList<>();

    static StartLines keep() {
      StartLines kept = new StartLines();
      kept.setFormatter(new SimpleFormatter());
      kept.setLevel(Level.INFO);
      Logger.getLogger("").addHandler(kept);
      return kept;
    }

    @Override
    public synchronized void publish(LogRecord record) {
      if (isLoggable(record) && lines.size() < MAX) {
        lines.add(getFormatter().format(record));
      }
    }

    synchronized void replay() {
      Logger.getLogger("").removeHandler(this);
      lines.forEach(System.err::print);
      System.err.flush();
      lines.clear();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
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
    AnsweredFailures.install();
  }
}
