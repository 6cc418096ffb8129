package dev.credagent.daemon;

import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.failure.ErrorCode;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.prompt.TerminalText;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.CommandRelayProvider;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The way in of {@code credagent daemon}, which credagent-jvm, the service units and the autostarts
 * take: the daemon's own module, so that it builds and runs without the CLI. These exact command
 * lines run without picocli's command tree, which took 0.38 s of a 0.8 s daemon start (the daemon
 * finds one later, through {@link CommandRelayProvider}, for the commands it relays). Anything else
 * ({@code daemon --help}, a wrong option) goes to the CLI's {@code Main}, found by name on the
 * class path, which says what it always says.
 */
public final class DaemonMain {
  /** The JVM CLI's entry point: credagent-jvm names it too. */
  public static final String CLI_MAIN = "dev.credagent.cli.Main";

  private DaemonMain() {}

  public static void main(String[] args) throws Throwable {
    refuseAnotherUsersHome();
    List<String> line = List.of(args);
    if (line.equals(List.of("daemon")) || line.equals(List.of("daemon", "--detached"))
        || line.equals(List.of("daemon", "--detached", "--log-after-start"))) {
      try {
        System.exit(run(line.size() >= 2, line.size() == 3));
      } catch (Exception e) {
        // A bad config file, another daemon on the vault: one line, which the autostart shows from
        // the log, never a stack trace.
        sayAndExit(e);
      }
    }
    Class<?> cli;
    try {
      cli = Class.forName(CLI_MAIN);
    } catch (ClassNotFoundException noCli) {
      System.err.println("credagent: the command tree (credagent-commands's jar) is not on the class path: only `daemon` and `daemon --detached` run without it");
      System.exit(ErrorCode.USAGE);
      return;
    }
    MethodHandles.publicLookup().findStatic(cli, "main", MethodType.methodType(void.class, String[].class))
        .invoke(args);
  }

  /** Root with a user's HOME (sudo -E, su without -) is told to run as that user before the daemon makes a file there. */
  private static void refuseAnotherUsersHome() {
    try {
      PrivateDirectory.refuseAnotherUsersHome(System.getenv(), CurrentUser.uid());
    } catch (Exception e) {
      sayAndExit(e);
    }
  }

  /** As the CLI's Failure says it: the message of a failure we expect, the type of one we do not. */
  private static void sayAndExit(Exception e) {
    String message = e.getMessage();
    String said = e instanceof IOException || e instanceof ConfigException
        ? (message != null ? message : e.getClass().getSimpleName())
        : "internal error (" + e.getClass().getSimpleName() + (message != null ? ": " + message : "") + ")";
    System.err.println("credagent: " + TerminalText.escape(said));
    System.exit(ErrorCode.ERROR);
  }

  /**
   * Runs the daemon until it stops and returns its exit code; the CLI's {@code credagent daemon}
   * calls this by name too.
   */
  public static int run(boolean detached, boolean logAfterStart) throws Exception {
    configureLogging();
    StartLines start = logAfterStart ? StartLines.keep() : null;
    if (detached) {
      // The terminal that started us may close; we outlive it, as gpg-agent does.
      Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
    }
    AgentPaths paths = AgentPaths.fromEnvironment();
    // The native credagent's command lines run here, through the same command tree as the JVM CLI's.
    Optional<CommandRelayProvider> commands = commandTree(DaemonMain.class.getClassLoader());
    Daemon daemon = Daemon.start(paths, CurrentUser.uid(), AgentConfig.file(System.getenv()),
        requests -> commands.map(provider -> provider.relay(requests, paths)).orElse(CommandRelay.HAND_EVERYTHING_BACK));
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
    return ErrorCode.OK;
  }

  /**
   * The command tree on {@code loader}'s class path, if there is one (the commands module's jar).
   * A provider that cannot be loaded (a services file naming a class that is not there, in a stale
   * or damaged jar) is skipped with a log line: the daemon without the tree still serves every
   * request, where ServiceConfigurationError ended its start and left the helper no daemon.
   */
  static Optional<CommandRelayProvider> commandTree(ClassLoader loader) {
    Iterator<CommandRelayProvider> providers = ServiceLoader.load(CommandRelayProvider.class, loader).iterator();
    for (int tried = 0; tried < MAX_BROKEN_PROVIDERS; tried++) {
      try {
        return providers.hasNext() ? Optional.of(providers.next()) : Optional.empty();
      } catch (ServiceConfigurationError broken) {
        Logger.getLogger(DaemonMain.class.getName()).warning("skipped a provider of the command tree: "
            + broken.getMessage() + "; reinstall credagent if commands are handed back to the JVM CLI");
      }
    }
    return Optional.empty();
  }

  /** ServiceLoader's iterator recovers from a broken entry by best effort: a bound, not a loop without end. */
  private static final int MAX_BROKEN_PROVIDERS = 16;

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
