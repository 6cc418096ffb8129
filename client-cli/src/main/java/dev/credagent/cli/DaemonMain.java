package dev.credagent.cli;

import java.util.List;

/**
 * {@code credagent daemon}'s way in, which credagent-jvm and the autostart take: the daemon's own
 * command line is run without building picocli's command tree, which took 0.38 s of a 0.8 s
 * start (the daemon builds one later, in the background, for the commands it relays). Anything
 * else ({@code daemon --help}, a wrong option) goes to {@link Main}, which says what it always says.
 */
public final class DaemonMain {
  private DaemonMain() {}

  public static void main(String[] args) throws Exception {
    List<String> line = List.of(args);
    if (line.equals(List.of("daemon")) || line.equals(List.of("daemon", "--detached"))) {
      System.exit(DaemonCommand.run(line.size() == 2));
    }
    Main.main(args);
  }
}
