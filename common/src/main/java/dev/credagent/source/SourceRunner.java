package dev.credagent.source;

import dev.credagent.process.ProcessGroup;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import dev.credagent.vault.SecretSafeJson;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a source once: its argv without a shell, its environment added to the daemon's, in a
 * process group of its own ({@link ProcessGroup}), with a timeout that covers the process's exit
 * (not the end of its output, which a child it left behind may hold open) and at most 64 KiB of
 * output; at the timeout the whole group is killed. A command source's output (less a trailing newline) is
 * the secret; a helper source is asked as docker asks a helper ({@code get}, the registry on
 * stdin) and answers {@code {"Username","Secret"}}. What it prints never reaches a log.
 */
public final class SourceRunner {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final int MAX_OUTPUT = 64 * 1024;
  private static final int MAX_STDERR_LINE = 200;

  private final Duration timeout;

  public SourceRunner(Duration timeout) {
    this.timeout = timeout;
  }

  public Credential run(String registry, SourceDefinition source) throws SourceFailedException, InterruptedException {
    String name = "the source for " + registry + " (" + source.argv().getFirst() + ")";
    Path program = ProcessGroup.resolve(source.argv().getFirst(), System.getenv("PATH")).orElseThrow(
        () -> new SourceFailedException("cannot run " + name + ": " + source.argv().getFirst()
            + " is not an executable file" + (source.argv().getFirst().contains("/") ? "" : " on the daemon's PATH")));
    ProcessBuilder builder = new ProcessBuilder(ProcessGroup.command(program, source.argv()));
    // systemd's socket-activation variables are ours, not the source's.
    builder.environment().keySet().removeAll(List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"));
    builder.environment().putAll(source.env());
    if (source instanceof SourceDefinition.Exec) { // a helper reads the registry on its standard input
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new SourceFailedException("cannot run " + name + ": " + e.getMessage());
    }
    Capture out = Capture.of(process.getInputStream());
    Capture err = Capture.of(process.getErrorStream());
    if (source instanceof SourceDefinition.Helper) {
      try (OutputStream in = process.getOutputStream()) {
        in.write((registry + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // it did not read its input; what it did instead is in its exit code
      }
    }
    byte[] stdout = null;
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ProcessGroup.kill(process);
        throw new SourceFailedException(name + " did not finish within " + timeout.toSeconds() + " s and was killed");
      }
      // Both streams are read to their end (or the grace runs out) before anything is killed: a kill
      // closes the pipes, and a reader that had not yet reached the end would lose what was written.
      long grace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Capture.GRACE_MILLIS);
      stdout = out.afterExit(grace);
      byte[] stderr = err.afterExit(grace);
      if (!out.ended() || !err.ended()) {
        ProcessGroup.kill(process); // what it left behind holds its output open: it is done, so are they
      }
      if (process.exitValue() != 0) {
        // A credential helper says what went wrong on stdout (the helper protocol's rule); a command on stderr.
        byte[] said = stderr;
        if (source instanceof SourceDefinition.Helper && firstLine(said).isEmpty()) {
          said = stdout;
        }
        throw new SourceFailedException(name + " exited with " + process.exitValue() + firstLine(said));
      }
      if (stdout.length > MAX_OUTPUT) {
        throw new SourceFailedException(name + " printed more than " + MAX_OUTPUT / 1024 + " KiB");
      }
      return switch (source) {
        case SourceDefinition.Helper helper -> helperAnswer(name, stdout);
        case SourceDefinition.Exec exec -> new Credential(exec.username(), secret(name, stdout));
      };
    } finally {
      process.destroyForcibly();
      if (stdout != null) {
        Arrays.fill(stdout, (byte) 0);
      }
    }
  }

  private static Secret secret(String name, byte[] stdout) throws SourceFailedException {
    int length = stdout.length;
    while (length > 0 && (stdout[length - 1] == '\n' || stdout[length - 1] == '\r')) {
      length--;
    }
    if (length == 0) {
      throw new SourceFailedException(name + " printed nothing");
    }
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(stdout, 0, length));
      char[] secret = Arrays.copyOf(chars.array(), chars.limit());
      Arrays.fill(chars.array(), '\0');
      return Secret.adopt(secret);
    } catch (CharacterCodingException e) {
      throw new SourceFailedException(name + " printed something that is not UTF-8");
    }
  }

  private static Credential helperAnswer(String name, byte[] stdout) throws SourceFailedException {
    String username = null;
    Secret secret = null;
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(stdout)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new SourceFailedException(name + " answered something that is not a credential (JSON object)");
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if (value != JsonToken.VALUE_STRING) {
          json.skipChildren();
        } else if (field.equalsIgnoreCase("Username")) {
          username = json.getText();
        } else if (field.equalsIgnoreCase("Secret")) {
          if (secret != null) {
            secret.destroy();
          }
          secret = Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
        }
      }
    } catch (IOException e) {
      if (secret != null) {
        secret.destroy();
      }
      throw new SourceFailedException(name + " answered something that is not JSON");
    }
    if (username == null || secret == null || secret.isEmpty()) {
      if (secret != null) {
        secret.destroy();
      }
      throw new SourceFailedException(name + " answered without a Username and a Secret");
    }
    return new Credential(username, secret);
  }

  private static String firstLine(byte[] stderr) {
    String text = new String(stderr, StandardCharsets.UTF_8).strip();
    String line = text.lines().findFirst().orElse("");
    if (line.length() > MAX_STDERR_LINE) {
      line = line.substring(0, MAX_STDERR_LINE) + "...";
    }
    return line.isEmpty() ? "" : ": " + line;
  }

  /**
   * One output stream, read on a virtual thread: at most MAX_OUTPUT + 1 bytes (one more tells
   * that there was more), the rest drained. After the process exits, what it wrote is in the pipe
   * and read within {@link #GRACE_MILLIS}; a child it left behind may keep the pipe open longer, and is
   * not waited for.
   */
  private static final class Capture {
    private static final long GRACE_MILLIS = 2000;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CountDownLatch end = new CountDownLatch(1);

    static Capture of(InputStream in) {
      Capture capture = new Capture();
      Thread.startVirtualThread(() -> capture.read(in));
      return capture;
    }

    private void read(InputStream in) {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          synchronized (bytes) {
            if (bytes.size() <= MAX_OUTPUT) {
              bytes.write(buffer, 0, Math.min(n, MAX_OUTPUT + 1 - bytes.size()));
            }
          }
        }
      } catch (IOException closed) {
        // what was read is what there is
      } finally {
        Arrays.fill(buffer, (byte) 0);
        end.countDown();
      }
    }

    /** What was written, once the process has exited: waits for the end of the stream until {@code deadline} (nanoTime) at most. */
    byte[] afterExit(long deadline) throws InterruptedException {
      end.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      synchronized (bytes) {
        return bytes.toByteArray();
      }
    }

    boolean ended() {
      return end.getCount() == 0;
    }
  }
}
