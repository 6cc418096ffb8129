package dev.credagent.client;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.LockFile;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.share.ShareMarker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Starts the daemon on demand: the same JVM and class path as this CLI, with the daemon's own
 * options ({@code lib/credagent/daemon.jvmoptions}, which bin/credagent reads too), detached in
 * its own session (setsid) so that a closing terminal does not take it down, in its home, stdin
 * from /dev/null and output to the log, so that a caller reading our stdout to EOF does not wait
 * for the daemon.
 *
 * <p>One start at a time: whoever starts holds {@code SOCKET.start} (a lock the C helper takes
 * too), and whoever finds it held waits, then finds the daemon running. Eight helpers that find
 * no daemon at once make one daemon, not eight JVMs racing on two cores.
 */
public final class DaemonStarter {
  /** A cold JVM on a loaded 2-core machine can take seconds; the C helper waits as long. */
  static final Duration WAIT = Duration.ofSeconds(15);
  private static final List<String> SETSID = List.of("/usr/bin/setsid", "/bin/setsid");
  private static final String OPTIONS_FILE = "daemon.jvmoptions";
  /**
   * The daemon process's entry point, as credagent-jvm and .mvn/train-aot name it: a command
   * line's word, not an import, so the client (a floor below the command tree) does not depend on
   * it. DaemonMainTest pins it to the class, so a rename fails a test rather than the autostart.
   */
  public static final String ENTRY_POINT = "dev.credagent.daemon.DaemonMain";

  private DaemonStarter() {}

  /** The lock file beside {@code socket} that serializes starts. */
  public static Path startLock(Path socket) {
    return socket.resolveSibling(socket.getFileName() + ".start");
  }

  /**
   * Starts the daemon unless one answers, and returns once one does. {@code callerHoldsLock}:
   * the process that ran us (the C helper) holds the start lock already.
   */
  public static void start(AgentPaths paths, boolean callerHoldsLock) throws IOException {
    if (ShareMarker.marks(paths.socket())) {
      // A share's path, the share gone: a daemon here would answer in its place and hold the path.
      throw new AgentUnavailableException(paths.socket(), ShareMarker.endedMessage(paths.socket()));
    }
    PrivateDirectory.ensure(paths.home(), CurrentUser.uid());
    PrivateDirectory.ensure(paths.socket().getParent(), CurrentUser.uid());
    if (callerHoldsLock) {
      startHoldingLock(paths);
      return;
    }
    try (LockFile lock = LockFile.acquire(startLock(paths.socket()), WAIT)) {
      if (lock == null) {
        throw new IOException("another credagent start held " + startLock(paths.socket()) + " for "
            + WAIT.toSeconds() + " s; see " + paths.log());
      }
      startHoldingLock(paths);
    }
  }

  private static void startHoldingLock(AgentPaths paths) throws IOException {
    if (answers(paths)) {
      return; // started by whoever held the lock before us
    }
    createOwnerOnly(paths.log());
    ProcessBuilder builder = new ProcessBuilder(command());
    utf8FileNames(builder.environment(), System.getProperty("sun.jnu.encoding"), System.getProperty("os.name"));
    Process daemon = builder
        .directory(paths.home().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.log().toFile()))
        .redirectErrorStream(true)
        .start();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (answers(paths)) {
        return;
      }
      if (!daemon.isAlive()) {
        throw new IOException("the credagent daemon exited at start: " + lastLine(paths.log()));
      }
      sleep();
    }
    throw new IOException("the credagent daemon did not answer on " + paths.socket() + " within "
        + WAIT.toSeconds() + " s; see " + paths.log());
  }

  /** The locale categories a LC_ALL stood for, besides the character type. */
  private static final List<String> OTHER_CATEGORIES =
      List.of("LC_COLLATE", "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC", "LC_TIME");

  /**
   * Makes the daemon read file names as UTF-8, as credagent-jvm does for every JVM it starts: Java
   * takes its file-name charset (sun.jnu.encoding) from the locale and no option sets it, so under
   * the POSIX locale a request's working directory named in UTF-8 was "not a path" and answered in
   * the default profile. Here for a CLI run without that launcher; a no-op when names are UTF-8.
   */
  static void utf8FileNames(Map<String, String> env, String fileNameCharset, String os) {
    if ("UTF-8".equalsIgnoreCase(fileNameCharset) || (os != null && os.startsWith("Mac"))) {
      return; // macOS's Java reads names as UTF-8 in any locale
    }
    String all = env.remove("LC_ALL");
    if (all != null && !all.isEmpty()) {
      env.put("LANG", all); // what LC_ALL said for the other categories, it still says
      OTHER_CATEGORIES.forEach(env::remove);
    }
    env.put("LC_CTYPE", "C.UTF-8");
  }

  private static boolean answers(AgentPaths paths) throws IOException {
    try {
      AgentClient.connect(paths).close();
      return true;
    } catch (AgentUnavailableException notYet) {
      return false;
    }
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
    String options = jvmOptions();
    command.add(options);
    aotCache(Path.of(options.substring(1))).ifPresent(cache -> command.add("-XX:AOTCache=" + cache));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ENTRY_POINT);
    command.add("daemon");
    command.add("--detached");
    return command;
  }

  /**
   * install.sh's AOT cache beside the options, which halves the daemon's start; absent in a build
   * tree. Only one trained after every jar was put in place, as credagent-jvm takes it: Java 25
   * does not notice a replaced jar and serves its old classes from the cache.
   */
  static Optional<Path> aotCache(Path options) {
    Path cache = options.resolveSibling("credagent.aot");
    try (Stream<Path> jars = Files.list(options.resolveSibling("jars"))) {
      FileTime trained = Files.getLastModifiedTime(cache);
      boolean current = jars.filter(jar -> jar.getFileName().toString().endsWith(".jar"))
          .allMatch(jar -> modified(jar).compareTo(trained) <= 0);
      return current ? Optional.of(cache) : Optional.empty();
    } catch (IOException | UncheckedIOException noCacheOrNoJars) {
      return Optional.empty();
    }
  }

  private static FileTime modified(Path jar) {
    try {
      return Files.getLastModifiedTime(jar);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code @.../lib/credagent/daemon.jvmoptions}: the installed layout has our jar in lib/credagent/jars. */
  private static String jvmOptions() {
    try {
      Path jar = Path.of(DaemonStarter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path options = jar.getParent().resolveSibling(OPTIONS_FILE);
      if (Files.isRegularFile(options)) {
        return "@" + options;
      }
      throw new IllegalStateException("the daemon's JVM options are missing: " + options
          + " should be installed beside " + jar.getParent() + "; reinstall credagent");
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("cannot tell where credagent is installed, to find " + OPTIONS_FILE, e);
    }
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
