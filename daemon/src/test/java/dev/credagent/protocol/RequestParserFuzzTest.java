package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

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
}
