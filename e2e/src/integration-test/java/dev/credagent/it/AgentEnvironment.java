package dev.credagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private credagent for one test: its own home and socket under a fresh 0700 directory, the
 * real launcher from the build's distribution, and whatever daemons it started killed at the end.
 */
public final class AgentEnvironment implements AutoCloseable {
  public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  private final Path root;
  private final Path home;
  private final Path socket;
  private final Map<String, String> env = new HashMap<>();
  private final List<Process> foreground = new ArrayList<>();

  public AgentEnvironment() throws IOException {
    root = Files.createTempDirectory("credagent-it-");
    home = root.resolve("home");
    socket = root.resolve("run").resolve("agent.sock");
    env.put("CREDAGENT_HOME", home.toString());
    env.put("CREDAGENT_SOCKET", socket.toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
  }

  public static Path dist() {
    return Path.of(System.getProperty("credagent.dist", "target/dist"));
  }

  public static Path launcher() {
    return dist().resolve("bin/credagent");
  }

  public Path root() {
    return root;
  }

  public Path home() {
    return home;
  }

  public Path socket() {
    return socket;
  }

  public Path vault() {
    return home.resolve("vault");
  }

  public Path log() {
    return home.resolve("daemon.log");
  }

  /** The environment every process of this agent runs with (the variables that locate it). */
  public Map<String, String> env() {
    return env;
  }

  /** Runs {@code credagent ARGS} with {@code stdin}, as a user would from a shell. */
  public Run credagent(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(launcher().toString());
    command.addAll(List.of(args));
    return run(command, stdin);
  }

  public Run run(List<String> command, String stdin) throws IOException, InterruptedException {
    return run(command, stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8));
  }

  public Run run(List<String> command, byte[] stdin) throws IOException, InterruptedException {
    return run(command, stdin, COMMAND_TIMEOUT);
  }

  /**
   * The same, bounded by {@code timeout}: for what takes minutes while other tests run beside it
   * (install.sh makes a runtime and an AOT cache; apt-get's postinst trains another).
   */
  public Run run(List<String> command, String stdin, Duration timeout) throws IOException, InterruptedException {
    return run(command, stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8), timeout);
  }

  private Run run(List<String> command, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
    return runIn(null, command, stdin, timeout);
  }

  /** The same, started in the working directory {@code dir} (null: this JVM's), as from {@code cd DIR} in a shell. */
  public Run runIn(Path dir, List<String> command, String stdin) throws IOException, InterruptedException {
    return runIn(dir, command, stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8), COMMAND_TIMEOUT);
  }

  /** The same, bounded by {@code timeout}: for a build tool (Maven and Jib) run from a project directory. */
  public Run runIn(Path dir, List<String> command, String stdin, Duration timeout) throws IOException, InterruptedException {
    return runIn(dir, command, stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8), timeout);
  }

  private Run runIn(Path dir, List<String> command, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    if (dir != null) {
      builder.directory(dir.toFile());
    }
    return Run.of(builder, stdin, timeout);
  }

  /**
   * Unlocks, so the daemon runs and the vault is open. Where there is no vault yet, the test puts
   * in one made with the cheapest key derivation ({@link #seedVault}) first, so that this costs
   * the command, not a calibration and two 128 MiB derivations; {@link #unlockCreating} leaves
   * the creation to the daemon, for a test of what creating does.
   */
  public void unlock(String passphrase) throws IOException, InterruptedException {
    if (!Files.exists(vault())) {
      seedVault(passphrase);
    }
    if (!RawConnection.answers(socket)) {
      // The daemon started as docker-credential-agent starts it, not by the JVM CLI that a native
      // `credagent unlock` with no daemon runs: that JVM cost ~0.5 s of CPU per test, on two cores,
      // in some hundred tests. The CLI's own start has tests of its own (LifecycleIT, SetupIT,
      // unlockCreating); the unlock itself is relayed, as a user's is once a daemon runs.
      startForegroundDaemon();
    }
    credagent(passphrase + "\n", "unlock", "--passphrase-stdin").requireSuccess();
  }

  /** Unlocks as a user's first `credagent unlock` does: the daemon creates the vault, with its calibrated cost. */
  public void unlockCreating(String passphrase) throws IOException, InterruptedException {
    credagent(passphrase + "\n", "unlock", "--passphrase-stdin").requireSuccess();
  }

  /**
   * Puts a new, empty vault that {@code passphrase} opens into the home (made 0700), with the
   * cheapest Argon2id the vault format accepts: for a test that starts the daemon itself and needs
   * a vault it can unlock quickly. See {@link CheapVault}.
   */
  public void seedVault(String passphrase) throws IOException {
    CheapVault.into(home, passphrase);
  }

  /** Starts {@code credagent daemon} in the foreground, its output to the log, and waits for the socket. */
  public Process startForegroundDaemon() throws IOException, InterruptedException {
    Files.createDirectories(home);
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder builder = new ProcessBuilder(launcher().toString(), "daemon")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    builder.environment().putAll(env);
    Process daemon = builder.start();
    foreground.add(daemon);
    awaitSocket(daemon);
    return daemon;
  }

  private void awaitSocket(Process daemon) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (RawConnection.answers(socket)) {
        return;
      }
      if (!daemon.isAlive()) {
        throw new IOException("the daemon exited with " + daemon.exitValue() + ": " + readLog());
      }
      Thread.sleep(20);
    }
    throw new IOException("the daemon did not answer within 30 s: " + readLog());
  }

  /** The pid of the daemon that holds this socket's lock, whoever started it. */
  public long daemonPid() throws IOException {
    return Long.parseLong(Files.readString(socket.resolveSibling("agent.sock.lock")).strip());
  }

  public String readLog() throws IOException {
    return Files.exists(log()) ? Files.readString(log()) : "";
  }

  @Override
  public void close() throws IOException {
    try {
      long pid = daemonPid();
      ProcessHandle.of(pid).ifPresent(daemon -> {
        daemon.destroyForcibly();
        try {
          daemon.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception stillGoing) {
          // removed below as far as it can be
        }
      });
    } catch (IOException | NumberFormatException noDaemon) {
      // Nothing was started, or it stopped already.
    }
    foreground.forEach(Process::destroyForcibly);
    for (Process process : foreground) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    removeAll(root); // 83 directories and 68 MB were left in /tmp after one run
  }

  /** Removes {@code dir} and all below it, as far as it can: a test's leftovers never fail it. */
  private static void removeAll(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException stillInUse) {
          // a socket a dying process still holds, or a file of another user: left for the OS's tmp cleaning
        }
      });
    } catch (IOException | java.io.UncheckedIOException gone) {
      // already gone
    }
  }
}
