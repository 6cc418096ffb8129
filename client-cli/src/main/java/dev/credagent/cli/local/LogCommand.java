package dev.credagent.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.audit.AuditFiles;
import dev.credagent.cli.Completion;
import dev.credagent.cli.ExitCode;
import dev.credagent.cli.TerminalText;
import dev.credagent.client.JsonTrees;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "log", mixinStandardHelpOptions = true,
    description = {
      "Shows the audit log: which program asked for which credential, when, and how it ended.",
      "Reads the files in CREDAGENT_HOME (audit.log.4 to .1, then audit.log; the last 8 MiB of each); needs no daemon."
    })
final class LogCommand implements Callable<Integer> {
  /** The most read of each kept file: what the daemon writes at the default size, twice over. */
  static final int TAIL_BYTES = 8 << 20;
  /** How often --follow looks for new lines. */
  private static final long FOLLOW_POLL_MILLIS = 250;
  /** The history --follow starts with, as {@code tail -f} does: the last lines, not every one kept. */
  static final int FOLLOW_HISTORY_LINES = 10;

  @Option(names = {"-f", "--follow"},
      description = "Print the last " + FOLLOW_HISTORY_LINES + " lines, then keep printing lines as they are written (Ctrl-C ends).")
  boolean follow;

  @Option(names = "--server", paramLabel = "SERVER", completionCandidates = Completion.Servers.class, description = "Only the lines about this server.")
  String server;

  @Option(names = "--json", description = "Print the lines as they are stored, one JSON object each.")
  boolean json;


  @Override
  public Integer call() throws Exception {
    Path file = Agent.paths().home().resolve(AuditFiles.FILE_NAME);
    List<String> history = new ArrayList<>();
    long position = keptLines(file, history);
    print(follow ? history.subList(Math.max(0, history.size() - FOLLOW_HISTORY_LINES), history.size()) : history);
    if (!Files.exists(file) && !follow) {
      System.err.println("credagent: no audit log yet at " + file + " (it starts with the first request)");
    }
    while (follow) {
      Thread.sleep(FOLLOW_POLL_MILLIS);
      position = printNew(file, position);
    }
    return ExitCode.OK;
  }

  /** Prints the kept files' lines, oldest first, as {@link #keptLines} reads them. */
  long printKept(Path file) throws IOException {
    List<String> history = new ArrayList<>();
    long position = keptLines(file, history);
    print(history);
    return position;
  }

  /**
   * Adds the lines of the kept files to {@code shown}, oldest first ({@code audit.log.4} to {@code
   * audit.log}); returns where in {@code file} its whole lines end. Each is read as {@link #tail}:
   * one bad byte in audit.log.1 ended the command, a 3 GB sparse audit.log ran the JVM out of
   * memory, a FIFO hung it, and audit.log.2 to .4 were never shown.
   */
  long keptLines(Path file, List<String> shown) throws IOException {
    for (int n = AuditFiles.KEPT; n >= 1; n--) {
      byte[] rotated = tail(file.resolveSibling(AuditFiles.FILE_NAME + "." + n), new long[1]);
      shown.addAll(shown(new String(rotated, 0, complete(rotated, rotated.length), StandardCharsets.UTF_8)));
    }
    long[] start = new long[1];
    byte[] current = tail(file, start);
    int upTo = complete(current, current.length);
    shown.addAll(shown(new String(current, 0, upTo, StandardCharsets.UTF_8))); // a malformed byte decodes as U+FFFD
    return start[0] + upTo;
  }

  /**
   * The last {@link #TAIL_BYTES} of {@code file} from the start of a line (its offset in {@code
   * start}); nothing if it is absent, or not a regular file (said on stderr; opening a FIFO waits
   * for a writer), checked as {@link dev.credagent.files.SmallFile} does.
   */
  private static byte[] tail(Path file, long[] start) throws IOException {
    if (!Files.exists(file)) {
      return new byte[0];
    }
    if (!Files.isRegularFile(file)) {
      System.err.println("credagent: " + file + " is not a regular file; skipped it");
      return new byte[0];
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      long from = Math.max(0, length - TAIL_BYTES);
      byte[] bytes = new byte[(int) (length - from)];
      in.seek(from);
      in.readFully(bytes);
      int skip = 0;
      if (from > 0) { // cut inside a line, most likely: it starts after the first newline
        while (skip < bytes.length && bytes[skip] != '\n') {
          skip++;
        }
        skip = Math.min(bytes.length, skip + 1);
      }
      start[0] = from + skip;
      return Arrays.copyOfRange(bytes, skip, bytes.length);
    }
  }

  /** Prints what was appended since {@code position}; starts over when the file was rotated. */
  private long printNew(Path file, long position) throws IOException {
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      if (length < position) {
        position = 0; // rotated: a new, shorter file
      }
      if (length == position) {
        return position;
      }
      byte[] fresh = new byte[(int) Math.min(length - position, 1 << 20)];
      in.seek(position);
      in.readFully(fresh);
      int upTo = complete(fresh, fresh.length);
      print(shown(new String(fresh, 0, upTo, StandardCharsets.UTF_8)));
      return position + upTo;
    }
  }

  /** The length of the whole lines in {@code bytes}: a line being written is printed once it ends. */
  private static int complete(byte[] bytes, int length) {
    for (int i = length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  private static void print(List<String> lines) {
    lines.forEach(System.out::println);
    System.out.flush();
  }

  /** The lines of {@code lines} this command shows, as it shows them (the --server filter, --json or not). */
  private List<String> shown(String lines) {
    List<String> shown = new ArrayList<>();
    for (String line : lines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode entry;
      try {
        entry = JsonTrees.read(line);
      } catch (IOException torn) {
        continue; // a line cut short by a crash or a full disk
      }
      if (server != null && !server.equals(entry.path("server").asText(null))) {
        continue;
      }
      shown.add(json ? line : human(entry));
    }
    return shown;
  }

  /** {@code 2026-11-23T20:01:02Z get registry:5000 ok  pid 4242 /usr/bin/docker-credential-agent, parent 4240 /usr/bin/docker}. */
  private static String human(JsonNode e) {
    String time = e.path("time").asText();
    int fraction = time.indexOf('.');
    if (fraction > 0 && time.endsWith("Z")) {
      time = time.substring(0, fraction) + "Z"; // to the second, as the README shows
    }
    if (e.path("op").asText().equals("suppressed")) { // the daemon's summary of an origin over its budget, no process
      return TerminalText.escape(String.format("%s  %-13s %s: %s", time, "suppressed",
          e.has("share") ? "share " + e.path("share").asText() : e.path("origin").asText(), e.path("outcome").asText()));
    }
    String line = String.format("%s  %-13s %-28s %-16s pid %d %s, parent %d %s", time, e.path("op").asText(),
        e.path("server").asText("-"), e.path("outcome").asText(), e.path("pid").asLong(), e.path("exe").asText(),
        e.path("ppid").asLong(), e.path("parentExe").asText())
        + (e.has("share") ? ", via share " + e.path("share").asText() : "")
        + (e.has("key") && !e.path("key").asText().equals(e.path("server").asText()) ? ", key " + e.path("key").asText() : "")
        + (e.has("scope") ? ", scope " + e.path("scope").asText() : "")
        + (e.has("repeated") ? " (and " + e.path("repeated").asLong() + " more like it)" : "");
    return TerminalText.escape(line);
  }
}
