package dev.credagent.cli.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.credagent.audit.AuditFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code credagent log} over damaged, huge or odd audit files: what it can read is shown, and it ends. */
class LogCommandTest {
  @TempDir Path home;

  private static String line(String op) {
    return "{\"time\":\"2026-11-23T09:00:00Z\",\"op\":\"" + op + "\",\"pid\":1,\"exe\":\"/usr/bin/docker\",\"outcome\":\"ok\"}\n";
  }

  /** The ops of the lines shown, in order. */
  private List<String> shown() throws Exception {
    LogCommand log = new LogCommand();
    log.json = true;
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> log.printKept(home.resolve(AuditFiles.FILE_NAME)));
    } finally {
      System.setOut(out);
    }
    return printed.toString(StandardCharsets.UTF_8).lines()
        .map(l -> l.replaceAll(".*\"op\":\"([^\"]*)\".*", "$1")).toList();
  }

  @Test
  void everyKeptFileIsShownOldestFirst() throws Exception {
    for (int n = AuditFiles.KEPT; n >= 1; n--) {
      Files.writeString(home.resolve(AuditFiles.FILE_NAME + "." + n), line("op" + n));
    }
    Files.writeString(home.resolve(AuditFiles.FILE_NAME), line("current"));
    assertEquals(List.of("op4", "op3", "op2", "op1", "current"), shown());
  }

  @Test
  void anInvalidUtf8ByteCostsItsLineOnly() throws Exception {
    byte[] damaged = (line("before") + line("broken") + line("after")).getBytes(StandardCharsets.UTF_8);
    int at = new String(damaged, StandardCharsets.UTF_8).indexOf("broken");
    damaged[at] = (byte) 0xff;
    Files.write(home.resolve(AuditFiles.FILE_NAME + ".1"), damaged);
    Files.writeString(home.resolve(AuditFiles.FILE_NAME), line("current"));
    assertEquals(List.of("before", "\uFFFDroken", "after", "current"), shown());
  }

  @Test
  void aHugeSparseLogShowsItsTailInsteadOfRunningOutOfMemory() throws Exception {
    try (RandomAccessFile file = new RandomAccessFile(home.resolve(AuditFiles.FILE_NAME).toFile(), "rw")) {
      file.write(line("first").getBytes(StandardCharsets.UTF_8));
      file.seek(3L << 30);
      file.write(("\n" + line("last")).getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(List.of("last"), shown());
  }

  @Test
  void aFifoAsTheLogIsSkippedNotWaitedOn() throws Exception {
    Files.writeString(home.resolve(AuditFiles.FILE_NAME + ".1"), line("rotated"));
    Process mkfifo = new ProcessBuilder("mkfifo", home.resolve(AuditFiles.FILE_NAME).toString()).start();
    assertEquals(0, mkfifo.waitFor());
    assertEquals(List.of("rotated"), shown());
  }
}
