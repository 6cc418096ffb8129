package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;

/**
 * Direct buffers for answer lines, kept for the next answer once written instead of freed: Netty's
 * unpooled allocator makes each buffer with a malloc through the foreign-function linker and a
 * cleaner, 6% of a get's time. Netty's pooled allocator, tried in their place for every buffer of
 * a connection, made gets slower still. At most {@value #KEPT} buffers of {@value #SIZE} bytes
 * are kept (32 KiB); a longer answer gets a buffer of its own, freed once written. One per server,
 * confined to its event loop; a buffer whose answer carried a secret is zeroed before it comes back.
 */
final class AnswerBuffers {
  static final int SIZE = 512;
  static final int KEPT = 64;

  private final ArrayDeque<ByteBuf> kept = new ArrayDeque<>();

  /** An empty direct buffer for an answer of about {@code sizeHint} bytes; it may grow. */
  ByteBuf take(ByteBufAllocator alloc, int sizeHint) {
    if (sizeHint > SIZE) {
      return alloc.directBuffer(sizeHint);
    }
    ByteBuf buffer = kept.pollFirst();
    return buffer != null ? buffer.clear() : alloc.directBuffer(SIZE);
  }

  /**
   * Takes back a buffer from {@link #take} whose answer has been written (or dropped with its
   * connection), and whose one remaining reference is the caller's: kept, or freed.
   */
  void giveBack(ByteBuf buffer) {
    if (buffer.refCnt() == 1 && buffer.capacity() == SIZE && kept.size() < KEPT) {
      kept.addFirst(buffer);
    } else {
      buffer.release();
    }
  }

  /** Frees what is kept: the server has stopped. */
  void close() {
    ByteBuf buffer;
    while ((buffer = kept.pollFirst()) != null) {
      buffer.release();
    }
  }
}
