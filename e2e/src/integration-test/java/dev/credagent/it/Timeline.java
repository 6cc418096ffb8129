package dev.credagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Where the end-to-end run's time went: each test class's start and end, in seconds from the
 * run's start, and the lane (thread) it ran in, written to {@code target/it-timeline.txt} when
 * the run ends, longest first. The classes run four at a time, so their times add up to more than
 * the run's; the timeline shows which class held the run's end, and which lanes sat idle
 * (docs/design.md, "The test command's time").
 */
public final class Timeline implements TestExecutionListener {
  private final long start = System.nanoTime();
  private final Map<String, long[]> spans = new ConcurrentHashMap<>();
  private final Map<String, String> lanes = new ConcurrentHashMap<>();

  @Override
  public void executionStarted(TestIdentifier id) {
    if (id.getSource().orElse(null) instanceof ClassSource source) {
      spans.put(source.getClassName(), new long[] {System.nanoTime() - start, -1});
      lanes.put(source.getClassName(), Thread.currentThread().getName());
    }
  }

  @Override
  public void executionFinished(TestIdentifier id, TestExecutionResult result) {
    if (id.getSource().orElse(null) instanceof ClassSource source) {
      long[] span = spans.get(source.getClassName());
      if (span != null) {
        span[1] = System.nanoTime() - start;
      }
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    List<String> lines = new ArrayList<>();
    spans.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[1] - b.getValue()[0], a.getValue()[1] - a.getValue()[0]))
        .forEach(e -> lines.add(String.format("%7.1f %7.1f %7.1f  %-60s %s", seconds(e.getValue()[0]),
            seconds(e.getValue()[1]), seconds(e.getValue()[1] - e.getValue()[0]), e.getKey(), lanes.get(e.getKey()))));
    lines.addFirst("  start     end    took  class (seconds from the run's start)                         lane");
    try {
      Path target = Path.of("target");
      if (Files.isDirectory(target)) {
        Files.write(target.resolve("it-timeline.txt"), lines);
      }
    } catch (IOException ignored) {
      // a diagnostic: the run's result does not depend on it
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
