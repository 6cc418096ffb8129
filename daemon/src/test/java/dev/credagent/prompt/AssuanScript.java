package dev.credagent.prompt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A pinentry as a shell script, for tests of what is said to one: it writes every line it hears to
 * {@code heard} beside it, answers OK to each command, and cancels at GETPIN, as a person pressing
 * Escape (or no one, when the daemon's minute runs out) leaves pinentry-tty.
 */
public final class AssuanScript {
  private AssuanScript() {}

  /** The cancelling pinentry, in {@code dir}. */
  public static Pinentry cancelling(Path dir) throws IOException {
    Path script = dir.resolve("pinentry-cancels");
    Files.writeString(script, """
        #!/bin/sh
        here=$(dirname "$0")
        echo "OK pleased to meet you"
        while IFS= read -r line; do
          printf '%s\\n' "$line" >> "$here/heard"
          case "$line" in
            GETPIN) echo "ERR 83886179 Operation cancelled <Pinentry>" ;;
            *) echo OK ;;
          esac
        done
        """);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return Pinentry.of(script.toString(), null).orElseThrow();
  }

  /**
   * A pinentry that started and says nothing, not even its greeting: hung, as a pinentry waiting
   * on a display or a terminal that never comes. Its shell waits on a child that holds its stdout.
   */
  public static Pinentry silent(Path dir) throws IOException {
    Path script = dir.resolve("pinentry-silent");
    Files.writeString(script, """
        #!/bin/sh
        sleep 600
        """);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return Pinentry.of(script.toString(), null).orElseThrow();
  }

  /** What the script heard, line by line. */
  public static java.util.List<String> heard(Path dir) throws IOException {
    Path heard = dir.resolve("heard");
    return Files.exists(heard) ? Files.readAllLines(heard) : java.util.List.of();
  }

  /** How many times it was asked for a passphrase. */
  public static long asked(Path dir) throws IOException {
    return heard(dir).stream().filter("GETPIN"::equals).count();
  }
}
