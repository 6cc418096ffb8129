package dev.credagent.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What one class logs while this is open, for the tests of how much the daemon says about clients
 * (its log is never rotated, so a flood of connections must leave a bounded trace).
 */
final class CapturedLog implements AutoCloseable {
  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>(); // the acceptor and Netty's loop log too
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  CapturedLog(Class<?> source) {
    logger = Logger.getLogger(source.getName());
    logger.addHandler(handler);
  }

  /** How many records were published so far, of any level. */
  int records() {
    return records.size();
  }

  /** How many of them were WARNING or above. */
  long warnings() {
    return records.stream().filter(record -> record.getLevel().intValue() >= Level.WARNING.intValue()).count();
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
  }
}
