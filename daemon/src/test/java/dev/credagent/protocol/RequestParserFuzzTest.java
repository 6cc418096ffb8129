package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Request lines from outside: only a request or a ProtocolException, never anything else. */
class RequestParserFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void aLineIsARequestOrABadRequest(byte[] line) {
    try (Request request = RequestParser.parse(line.clone())) {
      assertTrue(request.version() == Request.VERSION && request.op() != null);
    } catch (ProtocolException e) {
      assertTrue(e.getMessage().length() < 200, "a short message: " + e.getMessage().length());
    }
  }

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
