package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The installed daemon's heap options (dist's daemon.jvmoptions), in a JVM of their own: after a
 * full collection (the idle collector's), the old generation is sized by what it holds, plus
 * MaxHeapFreeRatio, and not held at a floor. Serial never shrinks it below -Xms less the young
 * generation's NewSize: with -Xms8m that floor was 7 MiB, above a daemon's live data with 1,000
 * credentials (5.5 MiB), so 1.5 MiB of touched old generation stayed resident all day.
 */
class DaemonHeapOptionsTest {
  private static final Path OPTIONS = Path.of("..", "dist", "src", "main", "dist", "lib", "credagent", "daemon.jvmoptions");
  /** What the child keeps live besides the JVM's own objects: under any daemon's live data. */
  private static final int LIVE_MIB = 2;

  @Test
  void afterAFullCollectionTheOldGenerationIsSizedByWhatItHolds() throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String line : Files.readAllLines(OPTIONS, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        command.add(line.strip());
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), OldGeneration.class.getName()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, child.exitValue(), out);
    String[] usedAndCommitted = out.lines().reduce((first, last) -> last).orElseThrow().split(" ");
    long used = Long.parseLong(usedAndCommitted[0]);
    long committed = Long.parseLong(usedAndCommitted[1]);
    // MaxHeapFreeRatio=10 leaves 11 % of the used size free; 64 KiB for the generation's alignment.
    assertTrue(committed <= used * 112 / 100 + 64 * 1024,
        "the old generation holds " + used / 1024 + " KiB and keeps " + committed / 1024
            + " KiB committed after a full collection: its floor (-Xms less NewSize) is above what it holds");
  }

  /** Keeps {@link #LIVE_MIB} live, collects as the idle collector does, prints the old generation's used and committed bytes. */
  public static final class OldGeneration {
    @SuppressWarnings("unused") // kept reachable on purpose: the live data
    private static byte[][] live;

    public static void main(String[] args) {
      live = new byte[LIVE_MIB * 16][];
      for (int i = 0; i < live.length; i++) {
        live[i] = new byte[64 * 1024];
      }
      System.gc();
      System.gc();
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getName().equals("Tenured Gen")) {
          System.out.println(pool.getUsage().getUsed() + " " + pool.getUsage().getCommitted());
          return;
        }
      }
      throw new IllegalStateException("no Tenured Gen pool: the options no longer choose the serial collector");
    }
  }
}
