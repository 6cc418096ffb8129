package dev.credagent.daemon;

import dev.credagent.failure.AgentFailure;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps out of the daemon's log the stack traces Caffeine writes for a failed asynchronous load
 * whose failure is an ordinary answer ({@link AgentFailure}: a registry that needs no token, one
 * that refused the login, one that is busy). The caller gets that failure as its answer, and the
 * audit line records it; a token asked of a Basic registry wrote two Java traces for a normal
 * outcome. Any other failure (a bug) still reaches the log, with its trace.
 */
public final class AnsweredFailures implements Filter {
  /** The logger Caffeine's async caches write "Exception thrown during asynchronous load" to. */
  static final String CAFFEINE_LOGGER = "com.github.benmanes.caffeine.cache.LocalAsyncCache";

  /** Held here: the log manager keeps its loggers weakly, and a collected one forgets its filter. */
  private static Logger caffeine;

  AnsweredFailures() {}

  /** Installs the filter on Caffeine's logger; the daemon calls it once its logging is set up. */
  public static synchronized void install() {
    caffeine = Logger.getLogger(CAFFEINE_LOGGER);
    caffeine.setFilter(new AnsweredFailures());
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
      if (t instanceof AgentFailure) {
        return false;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return true;
  }
}
