package dev.credagent.cli;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The way in of {@code credagent daemon} and {@code credagent start}, which credagent-jvm, the
 * autostart and the helper's autostart take: these two exact command lines run without building
 * picocli's command tree, which took 0.38 s of a 0.8 s daemon start (the daemon builds one later,
 * in the background, for the commands it relays). Anything else ({@code daemon --help}, a wrong
 * option) goes to {@link Main}, which says what it always says.
 */
public final class DaemonMain {
  private DaemonMain() {}

  public static void main(String[] args) throws Exception {
    RootHome.refuseAnotherUsersHome();
    List<String> line = List.of(args);
    if (line.equals(List.of("daemon")) || line.equals(List.of("daemon", "--detached"))
        || line.equals(List.of("daemon", "--detached", "--log-after-start"))) {
      runOrSay(() -> DaemonCommand.run(line.size() >= 2, line.size() == 3));
    }
    if (line.equals(List.of("start")) || line.equals(List.of("start", "--start-lock-held"))) {
      runOrSay(() -> StartCommand.run(line.size() == 2));
    }
    Main.main(args);
  }

  /**
   * Runs and exits with its code; a failure (a bad config file, another daemon on the vault) is
   * one line as Main's handler says it, which the autostart shows from the log: never a stack trace.
   */
  private static void runOrSay(Callable<Integer> command) {
    try {
      System.exit(command.call());
    } catch (Exception e) {
      System.err.println("credagent: " + TerminalText.escape(Failure.message(e)));
      System.exit(Failure.exitCode(e));
    }
  }
}
