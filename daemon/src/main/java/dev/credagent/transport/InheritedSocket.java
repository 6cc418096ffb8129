package dev.credagent.transport;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A listening socket handed to us by systemd's socket activation ({@code sd_listen_fds(3)}): fd 3
 * when {@code LISTEN_PID} is our pid and {@code LISTEN_FDS} is 1. The pid check keeps a process
 * that merely inherited the variables (a child of the activated one) from taking an fd that is
 * not a socket.
 */
public final class InheritedSocket {
  /** SD_LISTEN_FDS_START: the first fd systemd passes. */
  static final int FIRST_FD = 3;

  private InheritedSocket() {}

  public static OptionalInt fromEnvironment(Map<String, String> env, long pid) throws IOException {
    String forPid = env.get("LISTEN_PID");
    String count = env.get("LISTEN_FDS");
    if (forPid == null || count == null || !forPid.strip().equals(Long.toString(pid))) {
      return OptionalInt.empty();
    }
    if (!count.strip().equals("1")) {
      throw new IOException("systemd passed " + count.strip() + " sockets (LISTEN_FDS); credagent.socket declares"
          + " exactly one ListenStream: check the unit with `systemctl --user cat credagent.socket`");
    }
    return OptionalInt.of(FIRST_FD);
  }
}
