package dev.credagent.process;

import java.io.File;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A source in a process group of its own, so that a timeout kills everything it started, not
 * only its first process ({@code sh -c 'echo pw; sleep 50 &'} left the sleep behind). Java cannot
 * call setsid(2) between fork and exec, so the source is started through util-linux's
 * {@code setsid}, which makes the new session and execs it in place (the pid stays the source's:
 * a child of the JVM is never a group leader, so setsid does not fork). Where there is no setsid
 * (macOS), the group is approximated by the process's descendants.
 */
public final class ProcessGroup {
  private static final Optional<Path> SETSID = List.of("/usr/bin/setsid", "/bin/setsid").stream()
      .map(Path::of).filter(Files::isExecutable).findFirst();
  private static final int SIGKILL = 9;
  private static final MethodHandle KILL = killHandle();

  private ProcessGroup() {}

  /** {@code argv} to start in a session (and so a process group) of its own, its program resolved on PATH. */
  public static List<String> command(Path program, List<String> argv) {
    List<String> command = new ArrayList<>(argv.size() + 1);
    SETSID.ifPresent(setsid -> command.add(setsid.toString()));
    command.add(program.toString());
    command.addAll(argv.subList(1, argv.size()));
    return command;
  }

  /**
   * The program {@code name} names: itself when it has a slash, else the first executable of that
   * name on {@code path} (the daemon's PATH); empty when there is none.
   */
  public static Optional<Path> resolve(String name, String path) {
    if (name.contains("/")) {
      return Files.isExecutable(Path.of(name)) ? Optional.of(Path.of(name)) : Optional.empty();
    }
    for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Kills the whole group that {@code process} leads (or its descendants, where it leads none). */
  public static void kill(Process process) {
    if (SETSID.isPresent() && KILL != null) {
      try {
        int ignored = (int) KILL.invokeExact((int) -process.pid(), SIGKILL); // the group is gone already: ESRCH
      } catch (Throwable unexpected) {
        // fall through to the descendants
      }
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static MethodHandle killHandle() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    } catch (RuntimeException | LinkageError unavailable) {
      return null;
    }
  }
}
