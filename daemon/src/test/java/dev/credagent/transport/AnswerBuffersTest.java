package dev.credagent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
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
  void aBufferThatGrewOrWasLargeIsFreedNotKept() {
    ByteBuf grew = buffers.take(alloc, 100);
    grew.writeBytes(new byte[AnswerBuffers.SIZE * 3]);
    buffers.giveBack(grew);
    assertEquals(0, grew.refCnt());
    ByteBuf large = buffers.take(alloc, AnswerBuffers.SIZE * 4);
    assertTrue(large.capacity() >= AnswerBuffers.SIZE * 4);
    buffers.giveBack(large);
    assertEquals(0, large.refCnt());
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
