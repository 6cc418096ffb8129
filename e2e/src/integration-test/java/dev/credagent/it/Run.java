package dev.credagent.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A finished process: exit code and both outputs. Reading stdout to EOF is part of finishing. */
public record Run(int exitCode, String stdout, String stderr) {
  /**
   * A thread of its own for each blocking read: the common pool has a worker per core less one,
   * and with the test classes in parallel on more than two cores, one test's long-running process
   * would hold a worker with its read, and another test's reads would wait behind it.
   */
  static final java.util.concurrent.Executor OWN_THREAD = task -> Thread.ofPlatform().daemon().start(task);

  static Run of(ProcessBuilder builder, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
    Process process = builder.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()), OWN_THREAD);
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()), OWN_THREAD);
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin);
    } catch (IOException closedEarly) {
      // The program did not read all of its input; what it did with the rest is in its output.
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(builder.command() + " did not finish within " + timeout);
    }
    try {
      // A process that leaves a child holding its stdout open would keep us waiting here.
      return new Run(process.exitValue(),
          new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8),
          new String(err.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(builder.command() + " exited but its output did not reach EOF: " + e);
    }
  }

  public Run requireSuccess() {
    if (exitCode != 0) {
      throw new AssertionError("exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
    }
    return this;
  }

  private static byte[] drain(InputStream in) {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
