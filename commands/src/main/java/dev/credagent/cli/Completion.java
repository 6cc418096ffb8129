package dev.credagent.cli;

import java.util.Collections;
import java.util.Iterator;
import picocli.CommandLine.Model.ArgSpec;

/**
 * What a parameter completes to in the shell, named on the parameter itself
 * ({@code completionCandidates = Completion.Servers.class}): the completion script
 * ({@link CompletionScript}) is generated from these, and asks the daemon for the names through
 * {@code credagent __complete KIND} ({@link CompleteCommand}). Each class is empty: the names are
 * only known at completion time, and picocli must not list any in the help.
 *
 * <p>A new kind is a class here, a {@link CompleteCommand.Kind} and its lookup there. The
 * {@code --profile NAME} option of profiles takes {@link Profiles}; its lookup is the hook left
 * for them (it answers nothing until profiles exist).
 */
public final class Completion {
  private Completion() {}

  /** A kind whose names come from the daemon at completion time. */
  abstract static class Dynamic implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Collections.emptyIterator();
    }
  }

  /** The servers the vault holds credentials for (never their secrets, nor their usernames). */
  public static final class Servers extends Dynamic {}

  /** The servers whose erased credentials are kept, for restore. */
  static final class Erased extends Dynamic {}

  /** The registries with a source. */
  static final class Sources extends Dynamic {}

  /** The sockets of the shares open now. */
  static final class Shares extends Dynamic {}

  /** The profiles (none yet: the hook for {@code --profile NAME}). */
  static final class Profiles extends Dynamic {}

  /** A path on this machine: the shell's own file completion. */
  public static final class Files extends Dynamic {}

  /** The kind's word in the script and in {@code __complete KIND}, or null where the parameter completes nothing. */
  public static String kindOf(ArgSpec arg) {
    Iterable<String> candidates = arg.completionCandidates();
    if (candidates instanceof Dynamic) {
      return candidates.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
    return null;
  }
}
