package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The calibration against an Argon2 whose cost is known: fixed + per pass, in the ticker's time. */
class KdfCalibrationTest {
  private static KdfParams calibrate(long fixedMillis, long perPassMillisAt128MiB) {
    AtomicLong now = new AtomicLong();
    Argon2id modelled = new Argon2id() {
      @Override
      public byte[] derive(byte[] passphrase, byte[] salt, KdfParams params, int keyBytes) {
        long perPass = perPassMillisAt128MiB * params.memoryKiB() / KdfCalibration.MEMORY_KIB;
        now.addAndGet(Duration.ofMillis(fixedMillis + perPass * params.iterations()).toNanos());
        return new byte[keyBytes];
      }

      @Override
      public String name() {
        return "model";
      }

      @Override
      public boolean usesJavaHeap() {
        return false;
      }
    };
    return KdfCalibration.calibrate(modelled, KdfCalibration.TARGET, now::get);
  }

  @Test
  void asManyPassesOver128MiBAsFitInTheTarget() {
    assertEquals(new KdfParams(128 * 1024, 3, 1), calibrate(40, 150)); // 40 + 3 x 150 = 490 ms
    assertEquals(new KdfParams(128 * 1024, 9, 1), calibrate(20, 50)); // a fast machine pays more
  }

  @Test
  void aSlowMachineGetsLessMemoryButNeverLessThan3PassesOver64MiB() {
    assertEquals(new KdfParams(113 * 1024, 3, 1), calibrate(20, 180)); // 128 MiB x (500 - 20) / (3 x 180)
    assertEquals(new KdfParams(64 * 1024, 3, 1), calibrate(100, 4000));
  }

  @Test
  void theTestKdfOfTheOtherTestsStaysCheap() {
    assertEquals(1, TestKdf.CHEAP.iterations());
  }
}
