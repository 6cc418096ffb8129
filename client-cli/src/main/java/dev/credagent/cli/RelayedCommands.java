package dev.credagent.cli;

import dev.credagent.client.AgentClient;
import dev.credagent.files.AgentPaths;
import dev.credagent.service.Caller;
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
  /** Each worker's own tree, gone with the worker when it times out idle. */
  private final ThreadLocal<CommandTree> trees = ThreadLocal.withInitial(CommandTree::new);

  RelayedCommands(RequestHandler requests, AgentPaths paths) {
    this.requests = requests;
    this.paths = paths;
    this.workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
        Thread.ofPlatform().name("credagent-command-", 0).daemon().factory());
    workers.allowCoreThreadTimeOut(true); // an idle daemon keeps no thread for this
  }

  /** picocli's and Jackson databind's classes, in the background: 0.3 s the first relayed command would wait. */
  @Override
  public void warmUp() {
    try {
      workers.execute(() -> {
        trees.get();
        try {
          AgentClient.reply("{\"v\":1,\"ok\":true}");
        } catch (java.io.IOException cannotHappen) {
          throw new java.io.UncheckedIOException(cannotHappen);
        }
      });
    } catch (RejectedExecutionException busy) {
      // Commands arrived first: they load it.
    }
  }

  @Override
  public CompletableFuture<Input> input(List<String> args) {
    try {
      return CompletableFuture.supplyAsync(() -> trees.get().relayInput(args), workers);
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
          int exitCode = trees.get().runRelayed(session, args);
          return new CommandReply(exitCode, session.output(), session.errors());
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
}
