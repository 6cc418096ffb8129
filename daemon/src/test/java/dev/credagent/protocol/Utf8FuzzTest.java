package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Request bytes from outside, checked for UTF-8 by our own code. A class of its own (it was a
 * second method of RequestParserFuzzTest) because Jazzer fuzzes one test per JVM, and the build
 * fuzzes a JVM per class, two at a time.
 */
class Utf8FuzzTest {
  /** Our UTF-8 check and the JDK's strict decoder agree on every input. */
  @FuzzTest(maxDuration = "10s")
  void utf8AgreesWithTheJdksStrictDecoder(byte[] bytes) {
    boolean jdkAccepts;
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      jdkAccepts = true;
    } catch (CharacterCodingException e) {
      jdkAccepts = false;
    }
    assertEquals(jdkAccepts, Utf8.firstMalformed(bytes) < 0);
  }
}
