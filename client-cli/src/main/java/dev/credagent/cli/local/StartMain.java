package dev.credagent.cli.local;

import dev.credagent.cli.Failure;
import dev.credagent.cli.Main;
import dev.credagent.cli.RootHome;
import dev.credagent.cli.TerminalText;
import java.util.List;

/**
 * The way in of {@code credagent start}, which credagent-jvm and the helper's autostart take: these
 * two exact command lines run without building picocli's command tree, which took 0.38 s of a
 * 0.8 s start. Anything else ({@code start --help}, a wrong option) goes to {@link Main}, which
 * says what it always says. (The daemon's own way in is in the daemon's module: DaemonMain.)
 */
public final class StartMain {
  private StartMain() {}

  public static void main(String[] args) throws Exception {
    RootHome.refuseAnotherUsersHome();
    List<String> line = List.of(args);
    if (line.equals(List.of("start")) || line.equals(List.of("start", "--start-lock-held"))) {
      try {
        System.exit(StartCommand.run(line.size() == 2));
      } catch (Exception e) {
        // One line as Main's handler says it, which the autostart shows: never a stack trace.
        System.err.println("credagent: " + TerminalText.escape(Failure.message(e)));
        System.exit(Failure.exitCode(e));
      }
    }
    Main.main(args);
  }
}
