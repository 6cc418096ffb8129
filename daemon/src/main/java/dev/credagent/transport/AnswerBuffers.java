package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * Direct buffers for answer lines, kept for the next answer once written instead of freed: Netty's
 * unpooled allocator makes each buffer with a malloc through the foreign-function linker and a
 * cleaner, 6% of a get's time. Netty's pooled allocator, tried in their place for every buffer of
 * a connection, made gets slower still. At most {@value #KEPT} buffers of {@value #SIZE} bytes
 * are kept (32 KiB); a longer answer gets a buffer of its own, freed once written. One per server,
 * confined to its event loop; a buffer whose answer carried a secret is zeroed before it comes back.
 *
 * <p>No buffer grows by itself (each one's capacity is its limit): a Netty buffer that grows
 * frees its old memory as it was, and an answer's line is written in pieces (Jackson's buffer is a
 * few hundred bytes), so the first part of a long secret would stay behind in freed memory. The
 * {@link Output} moves to a bigger buffer instead, and zeroes the one it leaves.
 */
final class AnswerBuffers {
  static final int SIZE = 512;
  static final int KEPT = 64;

  private final ArrayDeque<ByteBuf> kept = new ArrayDeque<>();

  /** An empty direct buffer for an answer of about {@code sizeHint} bytes, which cannot grow. */
  ByteBuf take(ByteBufAllocator alloc, int sizeHint) {
    if (sizeHint > SIZE) {
      return alloc.directBuffer(sizeHint, sizeHint);
    }
    ByteBuf buffer = kept.pollFirst();
    return buffer != null ? buffer.clear() : alloc.directBuffer(SIZE, SIZE);
  }

  /** Where an answer of about {@code sizeHint} bytes is written. */
  Output output(ByteBufAllocator alloc, int sizeHint) {
    return new Output(alloc, take(alloc, sizeHint));
  }

  /**
   * An answer being written: into a buffer from {@link #take}, then, when that is full, into one
   * twice as big, the full one zeroed and given back.
   */
  final class Output extends OutputStream {
    private final ByteBufAllocator alloc;
    private ByteBuf buffer;

    private Output(ByteBufAllocator alloc, ByteBuf buffer) {
      this.alloc = alloc;
      this.buffer = buffer;
    }

    /** The buffer that holds what was written. */
    ByteBuf buffer() {
      return buffer;
    }

    @Override
    public void write(int b) {
      room(1);
      buffer.writeByte(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      room(length);
      buffer.writeBytes(bytes, offset, length);
    }

    private void room(int needed) {
      if (buffer.writableBytes() >= needed) {
        return;
      }
      int capacity = Math.max(buffer.capacity() * 2, buffer.writerIndex() + needed);
      ByteBuf bigger = alloc.directBuffer(capacity, capacity);
      bigger.writeBytes(buffer, 0, buffer.writerIndex());
      buffer.setZero(0, buffer.writerIndex());
      giveBack(buffer);
      buffer = bigger;
    }
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
