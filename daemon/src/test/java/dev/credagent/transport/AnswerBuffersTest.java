package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerBuffersTest {
  private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
  private final AnswerBuffers buffers = new AnswerBuffers();

  @Test
  void aBufferGivenBackIsTheNextAnswersEmptied() {
    ByteBuf first = buffers.take(alloc, 100);
    assertTrue(first.isDirect());
    first.writeBytes(new byte[] {1, 2, 3});
    buffers.giveBack(first);
    ByteBuf next = buffers.take(alloc, 100);
    assertSame(first, next);
    assertEquals(0, next.readableBytes());
    assertEquals(0, next.writerIndex());
    next.release();
  }

  /** A buffer that someone else still holds (a write not yet done) is never handed out again. */
  @Test
  void aBufferStillReferencedElsewhereIsReleasedOnceAndNotKept() {
    ByteBuf held = buffers.take(alloc, 100);
    held.retain(); // the other holder
    buffers.giveBack(held);
    assertEquals(1, held.refCnt(), "our reference went; the other holder's stays");
    ByteBuf next = buffers.take(alloc, 100);
    assertNotSame(held, next);
    held.release();
    next.release();
  }

  @Test
  void aBufferCannotGrowByItselfAndALargeOneIsFreedNotKept() {
    ByteBuf fixed = buffers.take(alloc, 100);
    assertThrows(IndexOutOfBoundsException.class, () -> fixed.writeBytes(new byte[AnswerBuffers.SIZE + 1]));
    buffers.giveBack(fixed);
    ByteBuf large = buffers.take(alloc, AnswerBuffers.SIZE * 4);
    assertTrue(large.capacity() >= AnswerBuffers.SIZE * 4);
    buffers.giveBack(large);
    assertEquals(0, large.refCnt());
  }

  /**
   * A long answer (a secret of 5,000 bytes, written in pieces as Jackson writes) moves from buffer
   * to bigger buffer; each one it leaves is zeroed where it was written, and none is lost.
   */
  @Test
  void anOutputThatOutgrowsItsBufferZeroesTheOneItLeaves() {
    List<ByteBuf> handedOut = new ArrayList<>();
    io.netty.buffer.ByteBufAllocator recording = new io.netty.buffer.AbstractByteBufAllocator(true) {
      @Override
      protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        throw new AssertionError("answers are direct");
      }

      @Override
      protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buffer = alloc.directBuffer(initialCapacity, maxCapacity);
        handedOut.add(buffer.retain()); // readable after the code under test lets it go
        return buffer;
      }

      @Override
      public boolean isDirectBufferPooled() {
        return false;
      }
    };
    byte[] secret = "S".repeat(5_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    AnswerBuffers.Output out = buffers.output(recording, 100);
    for (int at = 0; at < secret.length; at += 300) {
      out.write(secret, at, Math.min(300, secret.length - at));
    }
    out.write('\n');
    ByteBuf line = out.buffer();
    assertEquals(new String(secret, java.nio.charset.StandardCharsets.US_ASCII) + "\n",
        line.toString(java.nio.charset.StandardCharsets.US_ASCII));
    assertTrue(handedOut.size() >= 4, "it moved: " + handedOut.size() + " buffers");
    for (ByteBuf left : handedOut.subList(0, handedOut.size() - 1)) {
      assertEquals(1, left.refCnt(), "given back: only the recorder holds it");
      for (int i = 0; i < left.writerIndex(); i++) {
        assertEquals(0, left.getByte(i), "byte " + i + " of a buffer left behind");
      }
      left.release();
    }
    assertSame(line, handedOut.getLast());
    line.release(2);
  }

  @Test
  void atMostKeptAreKeptAndCloseFreesThem() {
    List<ByteBuf> taken = new ArrayList<>();
    for (int i = 0; i < AnswerBuffers.KEPT + 10; i++) {
      taken.add(buffers.take(alloc, 10));
    }
    taken.forEach(buffers::giveBack);
    assertEquals(10, taken.stream().filter(b -> b.refCnt() == 0).count(), "past the bound, freed");
    buffers.close();
    assertTrue(taken.stream().allMatch(b -> b.refCnt() == 0), "closed: none kept");
  }
}
