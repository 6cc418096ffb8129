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
 * skopeo, podman), which is the answer the audit log is for. Read from {@code /proc} on Linux; the
 * JDK asks the kernel ({@code proc_pidpath}) on macOS.
 */
public record CallerProcess(long pid, String exe, long parentPid, String parentExe) {
  public static final String UNKNOWN = "unknown";

  /**
   * The program that wanted what was asked: the helper's parent (docker, podman) where the caller
   * is docker-credential-agent, else the caller itself.
   */
  public String program() {
    return isHelper(exe) ? parentExe : exe;
  }

  /** The pid of {@link #program()}. */
  public long programPid() {
    return isHelper(exe) ? parentPid : pid;
  }

  /** Whether {@code exe} is our credential helper, which asks for another program (its parent). */
  static boolean isHelper(String exe) {
    return exe.endsWith("/docker-credential-agent") || exe.endsWith("/docker-credential-agent-static");
  }

  /**
   * Where there is no /proc (macOS): the JDK asks the kernel (proc_pidpath), every time. Where
   * there is one, {@link CallerProcesses} reads it, with {@link #parentPid} and {@link #exe}: one
   * read of stat for the parent, one readlink per executable (ProcessHandle's info() read stat four
   * times, the cmdline, and /etc/passwd for a user name we do not use).
   */
  static CallerProcess ofProcessHandle(Caller caller) {
    Optional<ProcessHandle> process = ProcessHandle.of(caller.pid());
    Optional<ProcessHandle> parent = process.flatMap(ProcessHandle::parent);
    return new CallerProcess(caller.pid(), command(process), parent.map(ProcessHandle::pid).orElse(-1L), command(parent));
  }
  /** /proc/PID/stat is one line well under this (its comm field is at most 64 bytes). */
  static final int STAT_BYTES = 2048;

  /** Field 4 of /proc/PID/stat, counted after the comm field's last ')' (comm may hold spaces and parens); -1 where gone. */
  static long parentPid(Path proc, long pid) {
    byte[] stat = new byte[STAT_BYTES];
    return statField(stat, readStat(proc, pid, stat), 1);
  }

  /** The first bytes of /proc/PID/stat into {@code stat}; their count, or -1 where gone. */
  static int readStat(Path proc, long pid, byte[] stat) {
    String file = proc.resolve(Long.toString(pid)).resolve("stat").toString();
    return ProcFiles.LINUX != null ? ProcFiles.LINUX.read(file, stat) : readByNio(Path.of(file), stat);
  }

  /**
   * The number {@code after} fields after the state (field 3) of a stat line: 1 is the parent's
   * pid, 19 the start time. Counted from comm's last ')', since comm may hold spaces and parens;
   * -1 where the line is cut short or the field is not a number.
   */
  static long statField(byte[] stat, int length, int after) {
    int at = length - 1;
    while (at >= 0 && stat[at] != ')') {
      at--;
    }
    if (at < 0) {
      return -1;
    }
    at += 2; // ") " : then the state
    for (int skipped = 0; skipped < after && at < length; at++) {
      if (stat[at] == ' ') {
        skipped++;
      }
    }
    long value = 0;
    int digits = 0;
    for (; at < length && stat[at] >= '0' && stat[at] <= '9' && digits < 18; at++, digits++) {
      value = value * 10 + (stat[at] - '0');
    }
    return digits > 0 ? value : -1;
  }

  private static int readByNio(Path file, byte[] into) {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(into, 0, into.length);
    } catch (IOException | RuntimeException gone) {
      return -1;
    }
  }

  /**
   * Its executable as the kernel says (/proc/PID/exe); where that says nothing useful (a rootless
   * buildah in its own user and mount namespaces reads as "/") or cannot be read, the first word
   * of its command line, which is what the program says it is rather than what the kernel knows.
   */
  static String exe(Path proc, long pid) {
    Path dir = proc.resolve(Long.toString(pid));
    String exe = ProcFiles.LINUX != null ? ProcFiles.LINUX.readlink(dir.resolve("exe").toString()) : readlinkByNio(dir.resolve("exe"));
    exe = exe != null ? exe : UNKNOWN;
    return exe.equals("/") || exe.equals(UNKNOWN) ? argv0(dir).orElse(exe) : exe;
  }

  private static String readlinkByNio(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  /** As {@link #exe} where only ProcessHandle knows (macOS). */
  private static String command(Optional<ProcessHandle> process) {
    return process.flatMap(p -> p.info().command()).orElse(UNKNOWN);
  }

  /** The longest argv[0] read: only the start of the command line is, which its caller may make megabytes long. */
  private static final int ARGV0_BYTES = 4096;

  private static Optional<String> argv0(Path dir) {
    byte[] cmdline = new byte[ARGV0_BYTES];
    String file = dir.resolve("cmdline").toString();
    int length = ProcFiles.LINUX != null ? ProcFiles.LINUX.read(file, cmdline) : readByNio(Path.of(file), cmdline);
    int end = 0;
    while (end < length && cmdline[end] != 0) {
      end++;
    }
    return end == 0 ? Optional.empty() : Optional.of(new String(cmdline, 0, end, StandardCharsets.UTF_8)); // none where gone (-1)
  }
}
