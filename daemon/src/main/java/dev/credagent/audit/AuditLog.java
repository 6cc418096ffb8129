package dev.credagent.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * {@code audit.log}: one JSON line per request that touched a credential, saying when, which op,
 * which server, which program asked (and its parent) and how it ended; never a secret, since
 * nothing here is given one. Written before the answer is sent, so a line exists for every answer
 * a client saw. Rotated by size: past the limit the file becomes {@code audit.log.1}, the older
 * ones move up to {@code audit.log.}{@value #KEPT} (the oldest is dropped) and a new one starts. A
 * refused request just like the one before it (same op, server, program, share and outcome) is
 * counted, not written: the next different line is preceded by one that says how many there were,
 * so a client cannot push real lines out of the files with a burst of junk. Nor with a flood of
 * distinct requests: each share, and junk on the owner's socket, has a budget per hour ({@link
 * AuditBudget}); what is over it is counted and said in one line per origin at least every minute
 * while it lasts, so the owner's last week survives any flood of theirs, and a credential that
 * leaves through a share is a line all the same. A write that fails (disk full) is logged
 * once and never fails the request.
 *
 * <p>Group commit: where the transport promises to call {@link #sync} before any answer leaves
 * ({@link #deferWrites}), the lines of one event-loop turn are kept here and written with one
 * write(2) at the end of the turn, before that turn's answers are flushed: every answer a client
 * saw still has its line in the file, in order, without a system call per answer.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
  public static final String FILE_NAME = AuditFiles.FILE_NAME;
  /** Writes nothing: tests of other things, and a daemon whose home is read-only. */
  public static final AuditLog NONE = new AuditLog(null, 0, Clock.systemUTC());

  private final Path file;
  private final long maxBytes;
  private final Clock clock;
  private final AuditBudget budget;
  /** jackson-core's generator, not databind's ObjectMapper: making a mapper cost 0.2 s of the daemon's start. */
  private static final JsonFactory JSON = new JsonFactory();
  /** Rotated files kept beside the current one. */
  public static final int KEPT = AuditFiles.KEPT;
  private FileChannel out;
  private long size;
  private boolean failing;
  /** The last line written, when it was a refusal, and how many like it came since (not written). */
  private String lastRefusal;
  private Lines repeatLine;
  private long repeated;
  /** Lines recorded but not yet written, where writes are deferred to {@link #sync}. */
  private final Lines pending = new Lines(4096);
  /** The line being made: one buffer for every line, copied into {@link #pending} or written from. */
  private final Lines scratch = new Lines(512);
  private final LineTime time = new LineTime();
  /**
   * One generator over {@link #scratch} for every request's line: making one per line (its
   * context, its buffers from the recycler pool) was a third of the line's cost. Dropped after a
   * failure mid-line, so no half-written object is carried into the next line.
   */
  private JsonGenerator lineWriter;
  /** What writes a line with no surrogate in it; {@link #lineWriter} the others. */
  private final PlainLine plainLine = new PlainLine();
  private boolean deferred;
  /** Lines up to this size are written from {@link #direct}; a bigger batch (rare) from the heap, still with one write. */
  private static final int DIRECT_BYTES = 8192;
  private ByteBuffer direct;

  /** A log that writes every line: tests of rotation and of other things. */
  public AuditLog(Path file, long maxBytes, Clock clock) {
    this(file, maxBytes, clock, AuditBudget.NONE);
  }

  /** A log whose origins each have {@code budget}'s share of the files (the daemon's: {@link AuditBudget#forFiles}). */
  public AuditLog(Path file, long maxBytes, Clock clock, AuditBudget budget) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.clock = clock;
    this.budget = budget;
  }

  public boolean enabled() {
    return file != null;
  }

  /**
   * From now on, lines are written at {@link #sync}, which whoever sends the answers calls before
   * any answer leaves (the transport, at the end of each event-loop turn; the daemon's timer too).
   */
  public synchronized void deferWrites() {
    deferred = true;
  }

  /** Writes the lines recorded since the last sync, with one write; before the answers they go with leave. */
  public synchronized void sync() {
    try {
      if (file != null && budget.unsaid()) {
        Instant now = clock.instant();
        summarise(budget.due(now), now); // an origin over budget with no line since: its counts so far
      }
      writePending();
    } catch (IOException e) {
      failed(e);
    }
  }

  /** One line: {@code server} may be null (an unlock, a list), {@code outcome} is "ok" or what failed. */
  public synchronized void record(String op, String server, CallerProcess caller, String outcome) {
    record(op, server, caller, null, outcome);
  }

  /** The same, for a request that came through the share {@code share} (null: the daemon's own socket). */
  public synchronized void record(String op, String server, CallerProcess caller, String share, String outcome) {
    record(op, server, caller, share, Served.NOTHING, outcome);
  }

  /**
   * What answered a request: the vault key whose credential served it (an exact server or a
   * pattern; null when none did) and the scopes a token was asked for (empty for other ops).
   */
  public record Served(String key, List<String> scopes, String profile) {
    public static final Served NOTHING = new Served(null, List.of());

    public Served {
      scopes = List.copyOf(scopes);
    }

    public Served(String key, List<String> scopes) {
      this(key, scopes, null);
    }

    /**
     * The same, with the profile the request was answered in and why it was chosen ("default:
     * the working directory ... does not exist"), as the line's {@code profile}.
     */
    public Served in(String chosen) {
      return new Served(key, scopes, chosen);
    }
  }

  /** The same, naming the key that served the request and the scopes asked. */
  public synchronized void record(String op, String server, CallerProcess caller, String share, Served served,
      String outcome) {
    if (file == null) {
      return;
    }
    try {
      Instant now = clock.instant(); // one read per line: the budget's hour, its summaries and the line's time
      summarise(budget.roll(now), now);
      summarise(budget.due(now), now);
      String refusal = outcome.equals("ok") ? null
          : String.join("\u0000", op, String.valueOf(server), caller.exe(), String.valueOf(share), outcome,
              String.valueOf(served.key()), String.join(" ", served.scopes()), String.valueOf(served.profile()));
      if (refusal != null && refusal.equals(lastRefusal)) {
        repeated++;
        line(now, op, server, caller, share, served, outcome, repeated);
        repeatLine = new Lines(scratch.size());
        scratch.writeTo(repeatLine);
        return;
      }
      line(now, op, server, caller, share, served, outcome, 0);
      boolean leaves = share != null && outcome.equals("ok") && served.key() != null; // a credential went out
      if (!budget.admit(AuditBudget.origin(share, outcome), op, outcome, scratch.size(),
          leaves ? served.key() : null, caller.exe(), now)) {
        return; // counted, and said within a minute
      }
      flushRepeated();
      write(scratch);
      lastRefusal = refusal;
    } catch (IOException e) {
      failed(e);
    }
  }

  private void failed(IOException e) {
    if (!failing) {
      LOG.warning("cannot write the audit log " + file + ": " + e.getMessage());
      failing = true;
    }
    pending.reset();
    closeQuietly();
  }

  /** One line per origin over its budget, with its counts since its last one; after the lines before them. */
  private void summarise(List<AuditBudget.Summary> summaries, Instant now) throws IOException {
    if (summaries.isEmpty()) {
      return;
    }
    flushRepeated();
    for (AuditBudget.Summary summary : summaries) {
      scratch.reset();
      try (JsonGenerator line = JSON.createGenerator(scratch)) {
        line.writeStartObject();
        // The time of the read that found them due: a read of its own came out later than the line
        // that follows them in the file, which is timed by that same read.
        line.writeStringField("time", time.format(now));
        line.writeStringField("op", "suppressed");
        if (summary.share() != null) {
          line.writeStringField("share", summary.share());
        } else {
          line.writeStringField("origin", summary.origin());
        }
        line.writeStringField("outcome", summary.text());
        line.writeNumberField("suppressed", summary.total());
        if (summary.keys() > 0) {
          line.writeNumberField("keys", summary.keys());
        }
        line.writeEndObject();
      }
      scratch.write('\n');
      write(scratch);
    }
  }

  /** The count of refusals like the last written one, as a line of its own; before any other line. */
  private void flushRepeated() throws IOException {
    if (repeated > 0) {
      Lines line = repeatLine;
      repeated = 0;
      repeatLine = null;
      write(line);
    }
  }

  /** Kept for the next sync where writes are deferred and the line fits in the file; else written now. */
  private void write(Lines line) throws IOException {
    if (deferred && out != null && size + pending.size() + line.size() <= maxBytes) {
      line.writeTo(pending);
      return;
    }
    writePending();
    writeNow(line);
  }

  private void writePending() throws IOException {
    if (pending.size() > 0) {
      try {
        writeNow(pending);
      } finally {
        pending.reset();
      }
    }
  }

  private void writeNow(Lines lines) throws IOException {
    if (out == null || size + lines.size() > maxBytes) {
      reopen(out != null);
    }
    ByteBuffer buffer = lines.size() <= DIRECT_BYTES ? lines.copiedTo(direct()) : lines.asBuffer();
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    size += lines.size();
    failing = false;
  }

  /**
   * The direct buffer lines are written from, made at the first write: from a heap buffer, the
   * channel copied each write into a temporary direct buffer of its own, found through two
   * thread-local look-ups, and returned it after.
   */
  private ByteBuffer direct() {
    if (direct == null) {
      direct = ByteBuffer.allocateDirect(DIRECT_BYTES);
    }
    return direct;
  }

  /** Lines as bytes, read without a copy. */
  private static final class Lines extends ByteArrayOutputStream {
    Lines(int size) {
      super(size);
    }

    ByteBuffer asBuffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }

    /** The lines copied to the start of {@code to} (cleared), ready to be written. */
    ByteBuffer copiedTo(ByteBuffer to) {
      to.clear();
      to.put(buf, 0, count);
      return to.flip();
    }
  }

  /** Makes the line in {@link #scratch}. */
  private void line(Instant now, String op, String server, CallerProcess caller, String share, Served served, String outcome,
      long repeats) throws IOException {
    Lines bytes = scratch;
    bytes.reset();
    if (plainLine.write(bytes, time, now, op, server, caller, share, served, outcome, repeats)) {
      bytes.write('\n');
      return;
    }
    String at = time.format(now);
    if (lineWriter == null) {
      lineWriter = JSON.createGenerator(bytes);
      lineWriter.setRootValueSeparator(null); // one object per line; the newline is ours
    }
    JsonGenerator line = lineWriter;
    try {
      write(line, at, op, server, caller, share, served, outcome, repeats);
      line.flush(); // into scratch: the generator keeps nothing between lines
    } catch (IOException | RuntimeException | Error e) {
      // An Error too (the heap or the stack exhausted mid-line): kept, the generator would still
      // be inside this line's object and refuse the next line, which was then lost.
      lineWriter = null;
      bytes.reset();
      throw e;
    }
    bytes.write('\n');
  }

  /** The fields' names, quoted and encoded once: written by name, each was encoded again for every line. */
  private static final SerializedString F_TIME = new SerializedString("time");
  private static final SerializedString F_OP = new SerializedString("op");
  private static final SerializedString F_SERVER = new SerializedString("server");
  private static final SerializedString F_PID = new SerializedString("pid");
  private static final SerializedString F_EXE = new SerializedString("exe");
  private static final SerializedString F_PPID = new SerializedString("ppid");
  private static final SerializedString F_PARENT_EXE = new SerializedString("parentExe");
  private static final SerializedString F_SHARE = new SerializedString("share");
  private static final SerializedString F_KEY = new SerializedString("key");
  private static final SerializedString F_SCOPE = new SerializedString("scope");
  private static final SerializedString F_PROFILE = new SerializedString("profile");
  private static final SerializedString F_OUTCOME = new SerializedString("outcome");
  private static final SerializedString F_REPEATED = new SerializedString("repeated");

  /** One line's object, its fields in their order; {@code line} is reused or fresh (AuditLogTest compares the two). */
  static void write(JsonGenerator line, String time, String op, String server, CallerProcess caller, String share,
      Served served, String outcome, long repeats) throws IOException {
    line.writeStartObject();
    line.writeFieldName(F_TIME);
    line.writeString(time);
    line.writeFieldName(F_OP);
    line.writeString(op);
    if (server != null) {
      line.writeFieldName(F_SERVER);
      line.writeString(server);
    }
    line.writeFieldName(F_PID);
    line.writeNumber(caller.pid());
    line.writeFieldName(F_EXE);
    line.writeString(caller.exe());
    line.writeFieldName(F_PPID);
    line.writeNumber(caller.parentPid());
    line.writeFieldName(F_PARENT_EXE);
    line.writeString(caller.parentExe());
    if (share != null) {
      line.writeFieldName(F_SHARE);
      line.writeString(share);
    }
    if (served.key() != null) {
      line.writeFieldName(F_KEY);
      line.writeString(served.key());
    }
    if (!served.scopes().isEmpty()) {
      line.writeFieldName(F_SCOPE);
      line.writeString(String.join(" ", served.scopes()));
    }
    if (served.profile() != null) {
      line.writeFieldName(F_PROFILE);
      line.writeString(served.profile());
    }
    line.writeFieldName(F_OUTCOME);
    line.writeString(outcome);
    if (repeats > 0) {
      line.writeFieldName(F_REPEATED);
      line.writeNumber(repeats);
    }
    line.writeEndObject();
  }

  private void reopen(boolean rotate) throws IOException {
    closeQuietly();
    if (Files.exists(file) && (rotate || Files.size(file) >= maxBytes)) {
      for (int n = KEPT - 1; n >= 1; n--) {
        Path older = file.resolveSibling(FILE_NAME + "." + n);
        if (Files.exists(older)) {
          Files.move(older, file.resolveSibling(FILE_NAME + "." + (n + 1)), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, file.resolveSibling(FILE_NAME + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }
    out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    size = out.size();
    endHalfLine();
  }

  /**
   * Ends the line the file was left in the middle of, so the next line is one of its own: a full
   * disk cuts a write short (the part that fit stays) and a kill -9 can too; appended to that
   * half, the next line was one unreadable line with it, which {@code credagent log} skips. One
   * byte read per open, which happens at start, rotation and after a failed write only.
   */
  private void endHalfLine() throws IOException {
    if (size == 0) {
      return;
    }
    ByteBuffer last = ByteBuffer.allocate(1);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) { // an appending channel cannot read
      in.read(last, size - 1);
    } catch (IOException unreadable) {
      return; // a file we may append to but not read (mode 0200): write as before rather than not at all
    }
    if (last.position() == 1 && last.get(0) != '\n') {
      ByteBuffer newline = ByteBuffer.wrap(new byte[] {'\n'});
      while (newline.hasRemaining()) {
        out.write(newline);
      }
      size++;
    }
  }

  private void closeQuietly() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // Nothing left to save in a channel that only appends.
      }
      out = null;
    }
  }

  @Override
  public synchronized void close() {
    try {
      writePending();
      if (out != null || repeated > 0) {
        flushRepeated();
        writePending();
      }
      if (file != null) {
        summarise(budget.drain(), clock.instant());
        writePending();
      }
    } catch (IOException e) {
      LOG.warning("cannot write the audit log " + file + ": " + e.getMessage());
    }
    closeQuietly();
  }
}
