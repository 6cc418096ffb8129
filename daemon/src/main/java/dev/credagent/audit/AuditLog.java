package dev.credagent.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * {@code audit.log}: one JSON line per request that touched a credential, saying when, which op,
 * which server, which program asked (and its parent) and how it ended; never a secret, since
 * nothing here is given one. Written before the answer is sent, so a line exists for every answer
 * a client saw. Rotated by size: past the limit the file becomes {@code audit.log.1} (the one
 * before that is dropped) and a new one starts. A write that fails (disk full) is logged once and
 * never fails the request.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
  public static final String FILE_NAME = "audit.log";
  /** Writes nothing: tests of other things, and a daemon whose home is read-only. */
  public static final AuditLog NONE = new AuditLog(null, 0, Clock.systemUTC());

  private final Path file;
  private final long maxBytes;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private FileChannel out;
  private long size;
  private boolean failing;

  public AuditLog(Path file, long maxBytes, Clock clock) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  public boolean enabled() {
    return file != null;
  }

  /** One line: {@code server} may be null (an unlock, a list), {@code outcome} is "ok" or what failed. */
  public synchronized void record(String op, String server, CallerProcess caller, String outcome) {
    if (file == null) {
      return;
    }
    ObjectNode line = json.createObjectNode()
        .put("time", clock.instant().toString())
        .put("op", op);
    if (server != null) {
      line.put("server", server);
    }
    line.put("pid", caller.pid()).put("exe", caller.exe())
        .put("ppid", caller.parentPid()).put("parentExe", caller.parentExe())
        .put("outcome", outcome);
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      if (out == null || size + bytes.length > maxBytes) {
        reopen(out != null);
      }
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      size += bytes.length;
      failing = false;
    } catch (IOException e) {
      if (!failing) {
        LOG.warning("cannot write the audit log " + file + ": " + e.getMessage());
        failing = true;
      }
      closeQuietly();
    }
  }

  private void reopen(boolean rotate) throws IOException {
    closeQuietly();
    if (Files.exists(file) && (rotate || Files.size(file) >= maxBytes)) {
      Files.move(file, file.resolveSibling(FILE_NAME + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }
    out = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    size = out.size();
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
    closeQuietly();
  }
}
