package dev.credagent.cli;

import dev.credagent.files.CurrentUser;
import dev.credagent.files.PrivateDirectory;

/**
 * Root with a user's HOME (sudo -E, su without -) is told to run as that user before any command
 * makes a file there. A class of its own, without picocli: {@link StartMain} calls it before the
 * daemon starts, and loading {@link Main} there would load the command tree it exists to avoid.
 */
public final class RootHome {
  private RootHome() {}

  public static void refuseAnotherUsersHome() {
    try {
      PrivateDirectory.refuseAnotherUsersHome(System.getenv(), CurrentUser.uid());
    } catch (Exception e) {
      System.err.println("credagent: " + TerminalText.escape(Failure.message(e)));
      System.exit(Failure.exitCode(e));
    }
  }
}
