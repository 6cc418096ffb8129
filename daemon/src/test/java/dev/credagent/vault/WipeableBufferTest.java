package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class WipeableBufferTest {
  private static final byte[] SECRET = "hunter2-hunter2-hunter2-hunter2!".getBytes(StandardCharsets.US_ASCII);

  @Test
  void everyArrayItOutgrowsIsZeroedAndSoIsTheLastOnce() {
    WipeableBuffer buffer = new WipeableBuffer(8);
    List<byte[]> held = writeFarPastItsSize(buffer, buffer::backing);
    buffer.toByteArrayAndWipe();
    held.add(buffer.backing());
    assertTrue(held.size() > 3, "it grew");
    held.forEach(array -> assertTrue(isZero(array), "an array it held still holds what was written"));
  }

  /** What the class is for: a plain ByteArrayOutputStream keeps a copy in each array it outgrew. */
  @Test
  void aPlainByteArrayOutputStreamKeepsWhatItOutgrew() {
    Plain plain = new Plain();
    List<byte[]> outgrown = writeFarPastItsSize(plain, plain::backing);
    assertTrue(outgrown.stream().anyMatch(array -> !isZero(array)));
  }

  @Test
  void theCopyIsWholeAndTheBufferIsLeftEmpty() {
    WipeableBuffer buffer = new WipeableBuffer(4);
    for (int i = 0; i < 100; i++) {
      buffer.write(SECRET, 0, SECRET.length);
      buffer.write('\n');
    }
    byte[] copy = buffer.toByteArrayAndWipe();
    assertEquals(100 * (SECRET.length + 1), copy.length);
    assertArrayEquals(SECRET, Arrays.copyOfRange(copy, copy.length - SECRET.length - 1, copy.length - 1));
    assertEquals(0, buffer.size());
  }

  /** Writes the secret many times into a small buffer; returns the arrays it outgrew on the way. */
  private static List<byte[]> writeFarPastItsSize(ByteArrayOutputStream buffer, Supplier<byte[]> backing) {
    List<byte[]> outgrown = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] before = backing.get();
      buffer.write(SECRET, 0, SECRET.length);
      buffer.write('x');
      if (backing.get() != before) {
        outgrown.add(before);
      }
    }
    return outgrown;
  }

  private static final class Plain extends ByteArrayOutputStream {
    Plain() {
      super(8);
    }

    byte[] backing() {
      return buf;
    }
  }

  private static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
