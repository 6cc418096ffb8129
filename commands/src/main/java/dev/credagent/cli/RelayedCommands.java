package dev.credagent.cli;

import dev.credagent.files.AgentPaths;
import dev.credagent.caller.Caller;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.CommandReply;
import dev.credagent.transport.RequestHandler;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's side of the native credagent: the CLI's own command tree ({@link Main}) parses and
 * runs each relayed command line in a {@link RelayedSession}. Commands block on their requests,
 * so they run on a few threads of their own, never on the event loop; when those are all busy, a
 * command line is handed back and the JVM CLI runs it, slower but never refused.
 */
final class RelayedCommands implements CommandRelay {
  private static final int THREADS = 4;
  private static final int QUEUED = 64;

  private final RequestHandler requests;
  private final AgentPaths paths;
  private final ThreadPoolExecutor workers;
  /**
   * Each worker's own tree, gone with the worker when it times out idle. Made at a worker's first
   * command, not when the daemon starts: a session that only runs the helper never loads picocli
   * and the commands (about 3 MiB the daemon would keep; the first relayed command pays 0.1 s).
   */
  private final ThreadLocal<CommandTree> trees = new ThreadLocal<>();

  RelayedCommands(RequestHandler requests, AgentPaths paths) {
    this.requests = requests;
    this.paths = paths;
    this.workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
        Thread.ofPlatform().name("credagent-command-", 0).daemon().factory());
    workers.allowCoreThreadTimeOut(true); // an idle daemon keeps no thread for this
  }

  @Override
  public CompletableFuture<Input> input(List<String> args) {
    try {
      return CompletableFuture.supplyAsync(() -> tree().relayInput(args), workers);
    } catch (RejectedExecutionException busy) {
      return CompletableFuture.completedFuture(Input.HAND_BACK);
    }
  }

  @Override
  public CompletableFuture<CommandReply> run(Caller caller, List<String> args, byte[] stdin) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        RelayedSession session = new RelayedSession(requests, caller, paths, stdin);
        try {
          int exitCode = tree().runRelayed(session, args);
          return new CommandReply(exitCode, session.output(), session.errors(), session::undelivered);
        } finally {
          Arrays.fill(stdin, (byte) 0);
        }
      }, workers);
    } catch (RejectedExecutionException busy) {
      Arrays.fill(stdin, (byte) 0);
      return CompletableFuture.completedFuture(CommandReply.error(ExitCode.ERROR,
          "credagent: the daemon is running " + (THREADS + QUEUED) + " commands already; try again"));
    }
  }

  /**
   * This worker's tree, made now if it has none. Not {@code ThreadLocal.withInitial(CommandTree::new)}:
   * linking that lambda, when the daemon starts, loads CommandTree and picocli's exceptions with it.
   */
  private CommandTree tree() {
    CommandTree tree = trees.get();
    if (tree == null) {
      tree = new CommandTree();
      trees.set(tree);
    }
    return tree;
  }
}
