package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.registry.NoTokenNeededException;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class AnsweredFailuresTest {
  private final AnsweredFailures filter = new AnsweredFailures();

  @Test
  void aFailureThatIsTheCallersAnswerIsNotLoggedAsATrace() {
    LogRecord record = new LogRecord(Level.WARNING, "Exception thrown during asynchronous load");
    record.setThrown(new CompletionException(new NoTokenNeededException("r uses Basic authentication")));
    assertFalse(filter.isLoggable(record));
  }

  @Test
  void aBugStillIs() {
    LogRecord record = new LogRecord(Level.WARNING, "Exception thrown during asynchronous load");
    record.setThrown(new CompletionException(new IllegalStateException("a bug")));
    assertTrue(filter.isLoggable(record));
    assertTrue(filter.isLoggable(new LogRecord(Level.WARNING, "no exception at all")));
  }
}
