package dev.credagent.audit;

import dev.credagent.caller.Caller;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The program behind a connection, read while it still waits for its answer: its executable and
 * its parent's. A credential helper's parent is the program that wanted the credential (docker,
 * skopeo, podman), which is the answer the audit log is for. The JDK reads {@code /proc} on
 * Linux and asks the kernel ({@code proc_pidpath}) on macOS.
 */
public record CallerProcess(long pid, String exe, long parentPid, String parentExe) {
  public static final String UNKNOWN = "unknown";

  /**
   * The program that wanted what was asked: the helper's parent (docker, podman) where the caller
   * is docker-credential-agent, else the caller itself.
   */
  public String program() {
    return exe.endsWith("/docker-credential-agent") || exe.endsWith("/docker-credential-agent-static") ? parentExe : exe;
  }

  /** The pid of {@link #program()}. */
  public long programPid() {
    return exe.endsWith("/docker-credential-agent") || exe.endsWith("/docker-credential-agent-static") ? parentPid : pid;
  }

  public static CallerProcess of(Caller caller) {
    if (caller.pid() <= 0) {
      return new CallerProcess(caller.pid(), UNKNOWN, -1, UNKNOWN);
    }
    Optional<ProcessHandle> process = ProcessHandle.of(caller.pid());
    Optional<ProcessHandle> parent = process.flatMap(ProcessHandle::parent);
    return new CallerProcess(caller.pid(), command(process), parent.map(ProcessHandle::pid).orElse(-1L), command(parent));
  }

  /**
   * Its executable as the kernel says; where that says nothing useful (a rootless buildah in its own
   * user and mount namespaces reads as "/"), the first word of its command line, which is what the
   * program says it is rather than what the kernel knows.
   */
  private static String command(Optional<ProcessHandle> process) {
    String exe = process.flatMap(p -> p.info().command()).orElse(UNKNOWN);
    if (exe.equals("/") || exe.equals(UNKNOWN)) {
      return process.flatMap(CallerProcess::argv0).orElse(exe);
    }
    return exe;
  }

  private static Optional<String> argv0(ProcessHandle process) {
    try {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      int end = 0;
      while (end < cmdline.length && end < 4096 && cmdline[end] != 0) {
        end++;
      }
      return end == 0 ? Optional.empty() : Optional.of(new String(cmdline, 0, end, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty(); // not Linux, or gone
    }
  }
}
