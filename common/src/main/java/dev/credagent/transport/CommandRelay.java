package dev.credagent.transport;

import dev.credagent.caller.Caller;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the native {@code credagent}: it sends its command line here, where the same command tree
 * as the JVM's CLI parses and runs it, and writes back what that printed. A command that must run
 * in the user's own process (it prompts on the terminal, reads the user's files, or is the daemon
 * itself) is handed back, and the native program runs the JVM CLI instead.
 */
public interface CommandRelay {
  /** What a command line needs before it can run here, or that it cannot. */
  enum Input {
    /** It runs in the user's process: the native program execs the JVM CLI with the same arguments. */
    HAND_BACK,
    /** It runs here and reads nothing of standard input. */
    NONE,
    /** It runs here with standard input's first line. */
    LINE,
    /** It runs here with all of standard input. */
    ALL
  }

  /** Which of {@link Input} {@code args} needs; never fails (a bad command line runs, to say so). */
  CompletableFuture<Input> input(List<String> args);

  /** Runs {@code args} for {@code caller} with {@code stdin}; never fails (errors are output). */
  CompletableFuture<CommandReply> run(Caller caller, List<String> args, byte[] stdin);

  /** A daemon without the CLI's classes: every command runs in the JVM CLI. */
  CommandRelay HAND_EVERYTHING_BACK = new CommandRelay() {
    @Override
    public CompletableFuture<Input> input(List<String> args) {
      return CompletableFuture.completedFuture(Input.HAND_BACK);
    }

    @Override
    public CompletableFuture<CommandReply> run(Caller caller, List<String> args, byte[] stdin) {
      throw new IllegalStateException("nothing runs here");
    }
  };
}
