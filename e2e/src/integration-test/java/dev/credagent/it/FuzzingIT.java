package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bounded fuzzing run of the test command (docs/security.md, "Fuzzing"): every
 * {@code *FuzzTest} class of the daemon, each fuzzed for {@code fuzz.duration} (5 s, from the
 * committed corpus) in a JVM of its own, as surefire fuzzed them in the daemon's test phase before. It runs here, one fuzzer at a
 * time beside the end-to-end tests, because the fuzzers are pure CPU and the end-to-end tests
 * spend most of their time waiting on processes they started: in the daemon's test phase the
 * fuzzing held the whole build for 90 s on two cores; here it fills the idle core. The classes are
 * found in the daemon's test classes, so a new fuzz test is fuzzed without being listed anywhere.
 * {@code -Dfuzz.skip} skips this (the saved inputs are replayed by the daemon's tests all the same).
 */
@Order(0) // started first of all classes: the longest lane of the run, and it must not be left to the end
@Execution(ExecutionMode.SAME_THREAD) // one fuzzer at a time: each needs a core of its own for its 10 s
class FuzzingIT {
  private static final Path DAEMON = Path.of("..", "daemon").toAbsolutePath().normalize();
  /**
   * A guard against a hung fuzzer, not a measure of speed: Jazzer's start (its scan of every class
   * on the classpath and in the JDK for its hooks) is about 10 s of CPU, and took nearly 4 minutes
   * on a 2-core machine at load 30, which a 4-minute bound failed.
   */
  private static final Duration TIMEOUT = Duration.ofMinutes(15);
  /**
   * How long each fuzzer runs (Jazzer's {@code max_duration}, over the tests' {@code maxDuration}):
   * e2e's {@code fuzz.duration}. Shorter than the tests' 10 s because each starts from the committed
   * corpus ({@link #seedCorpus}), which took longer runs to reach, not from nothing.
   */
  private static final String DURATION = System.getProperty("credagent.fuzz.duration", "5s");
  /** The committed corpus, one directory per class and method, as Jazzer keeps its own in .cifuzz-corpus. */
  private static final Path CORPUS = DAEMON.resolve("src/test/fuzz-corpus");

  static Stream<String> fuzzTests() throws IOException {
    Path classes = DAEMON.resolve("target/test-classes");
    List<String> found = new ArrayList<>();
    if (Files.isDirectory(classes)) {
      try (Stream<Path> files = Files.walk(classes)) {
        files.map(p -> classes.relativize(p).toString())
            .filter(name -> name.endsWith("FuzzTest.class") && !name.contains("$"))
            .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
            .sorted()
            .forEach(found::add);
      }
    }
    return found.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fuzzTests")
  void fuzz(String testClass) throws Exception {
    assumeFalse(Boolean.parseBoolean(System.getProperty("credagent.fuzz.skip", "false")), "-Dfuzz.skip");
    String classpath = DAEMON.resolve("target/test-classes") + ":" + DAEMON.resolve("target/classes") + ":"
        + Files.readString(DAEMON.resolve("target/fuzz.classpath")).strip();
    Path reports = Files.createDirectories(Path.of("target", "fuzz-reports").toAbsolutePath());
    Path log = reports.resolve(testClass + ".log");
    seedCorpus(testClass);
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED",
        // C1 and the serial collector, as the unit tests run: in a 5 s run the C2 compiler's and the
        // parallel collector's threads cost more than C2's faster code buys. Measured on
        // CommandFrameFuzzTest, 1 s runs: 6.2-7.6 CPU-s instead of 10.8-12.0, and 2-9 times the
        // executions, at the same coverage; the JVM's footprint 465 MB instead of 1.1-1.2 GB.
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        // Jazzer attaches its agent to this JVM at run time: allowed up front, it attaches in-process
        // instead of starting another JVM to attach from.
        "-XX:+EnableDynamicAgentLoading", "-Djdk.attach.allowAttachSelf=true",
        "-Djazzer.max_duration=" + DURATION,
        // Not java.util.regex's own classes: retransforming them for RegexRoadblocks (guidance through
        // a regex, no sanitizer) is ~3.7 CPU-s of each fuzzer's ~10 s start-up, more than a 5 s run
        // gains from it when it starts from a corpus grown with that guidance on. Longer runs
        // through surefire (docs/security.md) keep it.
        "-Djazzer.additional_classes_excludes=java.util.regex.**",
        "-cp", classpath, "dev.credagent.fuzzing.FuzzOne", testClass);
    ProcessBuilder builder = new ProcessBuilder(command).directory(DAEMON.toFile()) // .cifuzz-corpus and crash files where they were
        .redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().put("JAZZER_FUZZ", "1");
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(testClass + " did not finish fuzzing within " + TIMEOUT + "; its output: " + log + "\n" + tail(log));
    }
    assertFalse(process.exitValue() != 0,
        () -> testClass + " failed (exit " + process.exitValue() + "); its output: " + log + "\n" + tail(log));
  }

  /**
   * Copies the committed corpus of {@code testClass} into the directory Jazzer reads and grows its
   * corpus in, {@code daemon/.cifuzz-corpus/CLASS/METHOD}, leaving what is there already: a fresh
   * clone's fuzzers start where longer runs got to (docs/security.md, "Fuzzing").
   */
  static void seedCorpus(String testClass) throws IOException {
    Path committed = CORPUS.resolve(testClass);
    if (!Files.isDirectory(committed)) {
      return;
    }
    Path grown = DAEMON.resolve(".cifuzz-corpus").resolve(testClass);
    try (Stream<Path> files = Files.walk(committed)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        Path target = grown.resolve(committed.relativize(file).toString());
        if (!Files.exists(target)) {
          Files.createDirectories(target.getParent());
          Files.copy(file, target);
        }
      }
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
