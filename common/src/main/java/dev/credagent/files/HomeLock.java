package dev.credagent.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One daemon per vault home: an exclusive lock on {@code HOME/daemon.lock}, held for the daemon's
 * life, whose content names the holder's pid and socket. Two daemons on one home (rootless podman
 * runs helpers with its own {@code XDG_RUNTIME_DIR}, so a helper computes another socket) would each
 * write the vault from its own memory and lose the other's stores; the second now refuses to
 * start, and a client whose own socket has no daemon reaches the one the home names instead.
 */
public final class HomeLock implements AutoCloseable {
  public static final String FILE_NAME = "daemon.lock";
  /** The file is a pid and a path: anything longer is not one we wrote. */
  private static final int MAX_BYTES = 8192;

  private final DirectoryLock directory;
  private final LockFile lock;

  private HomeLock(DirectoryLock directory, LockFile lock) {
    this.directory = directory;
    this.lock = lock;
  }

  /** Takes the home's lock within {@code wait} and records {@code socket}; refuses while another daemon holds it. */
  public static HomeLock acquire(Path home, Path socket, Duration wait) throws IOException {
    // The home itself first: a daemon.lock deleted by hand (or by a tidy-up script) left the next
    // daemon a new file to lock, beside the first daemon, on the same vault.
    DirectoryLock directory = DirectoryLock.acquire(home, wait);
    if (directory == null) {
      throw new HomeInUseException(home, read(home));
    }
    Path file = home.resolve(FILE_NAME);
    LockFile lock;
    try {
      lock = LockFile.acquire(file, wait);
    } catch (IOException | RuntimeException e) {
      directory.close();
      throw e;
    }
    if (lock == null) {
      directory.close();
      Holder holder = read(home);
      throw new HomeInUseException(home, holder);
    }
    lock.write(ProcessHandle.current().pid() + "\n" + socket.toAbsolutePath() + "\n");
    return new HomeLock(directory, lock);
  }

  /** Who holds (or last held) a home: a pid and the socket it serves. */
  public record Holder(String pid, Path socket) {}

  /**
   * The daemon the home names, or null where it names none (no file, or not one we wrote). The
   * caller checks the socket as it checks any (owner, directory, peer): the file only says where
   * to look, and a stale one names a socket that no longer answers.
   */
  public static Holder read(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_BYTES) {
        return null;
      }
      String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n");
      if (lines.length < 2 || !lines[0].matches("[0-9]{1,10}") || !lines[1].startsWith("/")) {
        return null;
      }
      return new Holder(lines[0], Path.of(lines[1]));
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.close();
    } finally {
      directory.close();
    }
  }

  /** Another daemon serves this home: which, and on which socket. */
  public static final class HomeInUseException extends IOException {
    public HomeInUseException(Path home, Holder holder) {
      super("a credagent daemon " + (holder == null ? "" : "(pid " + holder.pid() + ", on " + holder.socket() + ") ")
          + "already serves the vault in " + home + "; one daemon per vault: use that one"
          + (holder == null ? "" : " (CREDAGENT_SOCKET=" + holder.socket() + ")") + ", or stop it first");
    }
  }
}
