package dev.credagent.client;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.PrivateDirectory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the daemon on demand: the same JVM and class path as this CLI, detached in its own
 * session (setsid) so that a closing terminal does not take it down, stdin from /dev/null and
 * output to the log, so that a caller reading our stdout to EOF does not wait for the daemon.
 */
final class DaemonStarter {
  static final Duration WAIT = Duration.ofSeconds(3);
  /** As in bin/credagent for the daemon; keep the two in step. */
  private static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC");
  private static final List<String> SETSID = List.of("/usr/bin/setsid", "/bin/setsid");

  private DaemonStarter() {}

  static void start(AgentPaths paths) throws IOException {
    PrivateDirectory.ensure(paths.home(), CurrentUser.uid());
    createOwnerOnly(paths.log());
    Process daemon = new ProcessBuilder(command())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.log().toFile()))
        .redirectErrorStream(true)
        .start();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        AgentClient.connect(paths).close();
        return;
      } catch (AgentUnavailableException notYet) {
        if (!daemon.isAlive()) {
          throw new IOException("the credagent daemon exited at start: " + lastLine(paths.log()));
        }
      }
      sleep();
    }
    throw new IOException("the credagent daemon did not answer on " + paths.socket() + " within "
        + WAIT.toSeconds() + " s; see " + paths.log());
  }

  private static void createOwnerOnly(Path log) throws IOException {
    if (Files.notExists(log)) {
      Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
  }

  private static List<String> command() {
    List<String> command = new ArrayList<>();
    SETSID.stream().filter(path -> Files.isExecutable(Path.of(path))).findFirst().ifPresent(command::add);
    command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.credagent.cli.Main");
    command.add("daemon");
    command.add("--detached");
    return command;
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return lines.isEmpty() ? "(its log " + log + " is empty)" : lines.getLast();
    } catch (IOException e) {
      return "(its log " + log + " cannot be read)";
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
