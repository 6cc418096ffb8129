package dev.credagent.helper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** A credential helper's stdin from outside: parsed, or refused with a one-line HelperException. */
class HelperRequestFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void storeInputIsParsedOrRefused(byte[] input) {
    try {
      HelperRequest request = HelperRequest.parseStore(input);
      request.secret().destroy();
    } catch (HelperException e) {
      assertTrue(!e.getMessage().contains("\n") && e.getMessage().length() < 200, e.getMessage());
    }
    try {
      HelperRequest.parseServerUrl(input);
    } catch (HelperException e) {
      assertTrue(e.getMessage().startsWith("the server URL is not valid UTF-8"));
    }
  }
}
