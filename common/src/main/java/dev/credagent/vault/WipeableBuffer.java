package dev.credagent.vault;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A byte buffer for secrets: every array it outgrows is zeroed before it is dropped, and its last
 * one is zeroed once its copy has been taken. {@link ByteArrayOutputStream} alone leaves a copy of
 * what it held in each array it outgrew, until the collector reuses that memory.
 */
public final class WipeableBuffer extends ByteArrayOutputStream {
  public WipeableBuffer(int size) {
    super(size);
  }

  @Override
  public synchronized void write(int b) {
    makeRoom(1);
    super.write(b);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    makeRoom(length);
    super.write(bytes, offset, length);
  }

  /** Grows here, wiping the outgrown array, so that the superclass never has to grow (and copy) itself. */
  private void makeRoom(int more) {
    int needed = count + more;
    if (more <= 0 || needed <= buf.length) {
      return;
    }
    if (needed < 0) {
      throw new OutOfMemoryError("a buffer beyond 2 GiB");
    }
    byte[] bigger = Arrays.copyOf(buf, Math.max(needed, (int) Math.min(Integer.MAX_VALUE - 8L, buf.length * 2L)));
    Arrays.fill(buf, (byte) 0);
    buf = bigger;
  }

  /** A copy of what was written; this buffer is left empty and zeroed. */
  public synchronized byte[] toByteArrayAndWipe() {
    byte[] copy = Arrays.copyOf(buf, count);
    wipe();
    return copy;
  }

  /** The array in use now: for the test that checks the ones it outgrew. */
  byte[] backing() {
    return buf;
  }

  /** Zeroes what was written and empties the buffer. */
  public synchronized void wipe() {
    Arrays.fill(buf, (byte) 0);
    count = 0;
  }
}
