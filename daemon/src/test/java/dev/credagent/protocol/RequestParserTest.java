package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.failure.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestParserTest {
  private static Request parse(String line) throws ProtocolException {
    return RequestParser.parse(line.getBytes(StandardCharsets.UTF_8));
  }

  private static ProtocolException rejected(String line) {
    return assertThrows(ProtocolException.class, () -> parse(line));
  }

  @Test
  void readsOpFieldsAndSecrets() throws Exception {
    Request request = parse("{\"v\":1,\"op\":\"store\",\"server\":\"r:5000\",\"username\":\"u\",\"secret\":\"a\\\"b\\u00e9\"}");
    assertEquals("store", request.op());
    assertEquals("r:5000", request.require("server"));
    assertArrayEquals("a\"bé".toCharArray(), request.requireSecret("secret").toChars());
    assertFalse(request.fields().containsKey("secret"), "a secret is never kept as a String field");
  }

  @Test
  void closingARequestWipesTheSecretsNobodyTook() throws Exception {
    Request request = parse("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"p\"}");
    var passphrase = request.requireSecret("passphrase");
    request.close();
    assertTrue(passphrase.isDestroyed());
  }

  @Test
  void versionIsRequiredAndChecked() {
    assertEquals(ErrorCode.BAD_REQUEST, rejected("{\"op\":\"ping\"}").code());
    ProtocolException newer = rejected("{\"v\":2,\"op\":\"ping\"}");
    assertEquals(ErrorCode.UNSUPPORTED_VERSION, newer.code());
    assertTrue(newer.getMessage().contains("version 1"), newer.getMessage());
    assertEquals(ErrorCode.BAD_REQUEST, rejected("{\"v\":\"1\",\"op\":\"ping\"}").code());
  }

  @Test
  void malformedLinesAreBadRequests() {
    for (String line : new String[] {"not json", "[1,2]", "{\"v\":1,", "{\"v\":1,\"op\":\"ping\"} {}",
        "{\"v\":1,\"op\":\"get\",\"server\":{\"x\":1}}", "{\"v\":1,\"op\":\"get\",\"server\":5}", "{\"v\":1}",
        "{\"v\":1,\"op\":\"get\",\"op\":\"list\"}"}) {
      assertEquals(ErrorCode.BAD_REQUEST, rejected(line).code(), line);
    }
  }

  @Test
  void aMissingFieldIsNamed() throws Exception {
    ProtocolException e = assertThrows(ProtocolException.class, () -> parse("{\"v\":1,\"op\":\"get\"}").require("server"));
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains("'server'"), e.getMessage());
  }

  @Test
  void malformedUtf8IsRefusedNeverMatchedToAnotherKey() {
    // Defect 7: "reg\xc0\xaf" used to be read as "reg/".
    byte[] line = "{\"v\":1,\"op\":\"get\",\"server\":\"reg__\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int at = new String(line, java.nio.charset.StandardCharsets.UTF_8).indexOf("__");
    line[at] = (byte) 0xc0;
    line[at + 1] = (byte) 0xaf;
    ProtocolException e = org.junit.jupiter.api.Assertions.assertThrows(ProtocolException.class, () -> RequestParser.parse(line));
    org.junit.jupiter.api.Assertions.assertEquals(ErrorCode.BAD_REQUEST, e.code());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not valid UTF-8 (at byte " + at + ")"), e.getMessage());
  }

  @Test
  void parseErrorsSayWhereButNeverQuoteTheLine() {
    // Defect 8: Jackson's message was "Unrecognized token 'MyPassPhrase'".
    for (String line : java.util.List.of(
        "{\"v\":1,\"op\":\"unlock\",\"passphrase\":MyPassPhrase}",
        "{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"MyPassPhrase",
        "{\"v\":1,\"op\":\"store\",\"MyPassPhrase\":[1]}",
        "MyPassPhrase")) {
      ProtocolException e = org.junit.jupiter.api.Assertions.assertThrows(ProtocolException.class,
          () -> RequestParser.parse(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("MyPass"), line + " -> " + e.getMessage());
    }
  }
}
