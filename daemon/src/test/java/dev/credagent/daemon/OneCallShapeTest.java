package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.files.HomeLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libc calls every daemon makes at its start (ProcessHardening's setrlimit, prctl and umask;
 * the home's directory lock: open, flock, close) share one call shape, so the FFM linker spins one
 * stub class for all of them: each shape of its own was a stub and its method handles' forms,
 * about 100 KiB that no AOT cache holds (docs/design.md, "One call shape"). In a JVM of its own,
 * whose class loading is logged.
 */
class OneCallShapeTest {
  @Test
  void theStartsLibcCallsSpinOneStub(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("classes.log");
    Path home = Files.createDirectory(dir.resolve("home"));
    Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + log,
        "-cp", System.getProperty("java.class.path"), StartCalls.class.getName(), home.toString()))
        .redirectErrorStream(true).start();
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), out);
    List<String> stubs = Files.readAllLines(log).stream().filter(line -> line.contains("DowncallStub")).toList();
    assertEquals(1, stubs.size(), "a stub per call shape:\n" + String.join("\n", stubs));
  }

  /** What a daemon's start calls in libc, and nothing else. */
  public static final class StartCalls {
    public static void main(String[] args) throws Exception {
      ProcessHardening.apply();
      Path home = Path.of(args[0]);
      HomeLock.acquire(home, home.resolve("agent.sock"), Duration.ZERO).close();
    }
  }
}
