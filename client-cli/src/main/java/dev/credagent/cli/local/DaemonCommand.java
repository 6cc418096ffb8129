package dev.credagent.cli.local;

import dev.credagent.cli.Main;
import dev.credagent.client.DaemonStarter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code credagent daemon}'s help and options. The daemon is a module of its own (daemon/), which
 * the CLI does not compile against: credagent-jvm starts its entry point directly, and this command
 * calls it by name on the same class path, as the autostart does.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = {
      "Runs the daemon in the foreground, logging to standard error.",
      "Other commands start it on their own when nothing answers on the socket."
    })
final class DaemonCommand implements Callable<Integer> {
  @Option(names = "--detached", hidden = true, description = "Started by another command: ignore SIGHUP.")
  boolean detached;

  @Option(names = "--log-after-start", hidden = true,
      description = "Standard output and error are a pipe to whoever started us: the log goes there once listening.")
  boolean logAfterStart;

  @Override
  public Integer call() throws Exception {
    Method run = Class.forName(DaemonStarter.ENTRY_POINT).getMethod("run", boolean.class, boolean.class);
    try {
      return (Integer) run.invoke(null, detached, logAfterStart);
    } catch (InvocationTargetException e) {
      // What the daemon threw, as if called directly: Main's handler says it in one line.
      if (e.getCause() instanceof Exception failure) {
        throw failure;
      }
      throw (Error) e.getCause();
    }
  }
}
