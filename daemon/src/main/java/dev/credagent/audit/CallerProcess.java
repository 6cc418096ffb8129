package dev.credagent.audit;

import dev.credagent.service.Caller;
import java.util.Optional;

/**
 * The program behind a connection, read while it still waits for its answer: its executable and
 * its parent's. A credential helper's parent is the program that wanted the credential (docker,
 * skopeo, podman), which is the answer the audit log is for. The JDK reads {@code /proc} on
 * Linux and asks the kernel ({@code proc_pidpath}) on macOS.
 */
public record CallerProcess(long pid, String exe, long parentPid, String parentExe) {
  public static final String UNKNOWN = "unknown";

  public static CallerProcess of(Caller caller) {
    if (caller.pid() <= 0) {
      return new CallerProcess(caller.pid(), UNKNOWN, -1, UNKNOWN);
    }
    Optional<ProcessHandle> process = ProcessHandle.of(caller.pid());
    Optional<ProcessHandle> parent = process.flatMap(ProcessHandle::parent);
    return new CallerProcess(caller.pid(), command(process), parent.map(ProcessHandle::pid).orElse(-1L), command(parent));
  }

  private static String command(Optional<ProcessHandle> process) {
    return process.flatMap(p -> p.info().command()).orElse(UNKNOWN);
  }
}
