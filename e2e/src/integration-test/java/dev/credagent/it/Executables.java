package dev.credagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Copies a program that a test then runs. Not by {@code Files.copy}: the copy's descriptor, open
 * for writing in this JVM, is inherited by any child another test spawns in those microseconds
 * (until the JDK's spawn helper closes it), and exec of a file some process holds open for writing
 * fails with ETXTBSY ("Text file busy"); four test classes run at once, and one CI run failed so.
 * Copied by {@code cp}, the descriptor is only ever cp's.
 */
public final class Executables {
  private Executables() {}

  /**
   * A script of {@code text} at {@code to}, with {@code mode} ({@code rwxr-xr-x}), made as {@link
   * #copy} makes a copy: the text is written to a draft beside it, which cp copies. Written in
   * place, {@code to} itself would be open for writing in this JVM for those microseconds.
   */
  public static Path script(Path to, String text, String mode) throws IOException, InterruptedException {
    Path draft = Files.writeString(to.resolveSibling(to.getFileName() + ".draft"), text);
    try {
      Files.setPosixFilePermissions(draft, PosixFilePermissions.fromString(mode));
      return copy(draft, to);
    } finally {
      Files.deleteIfExists(draft);
    }
  }

  /** {@code from} to {@code to} with its mode, replacing what is there. */
  public static Path copy(Path from, Path to) throws IOException, InterruptedException {
    Files.deleteIfExists(to); // never written in place: a program of that name may be running
    Process cp = new ProcessBuilder("cp", "-p", from.toString(), to.toString()).inheritIO().start();
    if (!cp.waitFor(60, TimeUnit.SECONDS)) {
      cp.destroyForcibly();
      throw new IOException("cp " + from + " took over 60 s");
    }
    if (cp.exitValue() != 0) {
      throw new IOException("cp " + from + " " + to + " exited " + cp.exitValue());
    }
    return to;
  }
}
