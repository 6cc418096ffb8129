package dev.credagent.transport;

import java.io.IOException;
import java.nio.file.Path;

/** Another credagent daemon already serves this socket; we leave it alone. */
public final class DaemonAlreadyRunningException extends IOException {
  public DaemonAlreadyRunningException(Path socket, String pid) {
    super("a credagent daemon (pid " + pid + ") is already running on " + socket
        + "; stop it with `credagent stop` first");
  }
}
