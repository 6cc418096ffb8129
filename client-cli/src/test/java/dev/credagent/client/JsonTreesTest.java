package dev.credagent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** JsonTrees reads and writes as databind's ObjectMapper does; the mapper is the oracle here. */
class JsonTreesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"v\":1,\"ok\":true,\"credentials\":{\"a.example.com\":\"alice\",\"b\":\"\"}}",
      "{\"ok\":false,\"error\":{\"code\":\"locked\",\"message\":\"the vault is locked\"}}",
      "[1,-2,2147483648,-9223372036854775809,123456789012345678901234567890,1.5,-0.0,1e308,true,false,null]",
      "{\"a\":1,\"a\":2}",                        // a repeated name keeps its last value
      "{\"s\":\"tab\\tnl\\n\\u0000 \\\"q\\\" \\u00e9 \\ud83d\\ude00\"}",
      "{\"nested\":{\"deeper\":[[],{},[{}]]}}",
      "\"just a string\"", "42", "null",
      "{\"x\":1} trailing garbage is not looked at",
      "  \n{ \"spaced\" :\t[ 1 , 2 ] }  "})
  void readsAsTheMapperDoes(String text) throws IOException {
    JsonNode ours = JsonTrees.read(text);
    assertEquals(MAPPER.readTree(text), ours);
    assertEquals(MAPPER.readTree(text.getBytes(StandardCharsets.UTF_8)), JsonTrees.read(text.getBytes(StandardCharsets.UTF_8)));
    assertEquals(ours.toString(), JsonTrees.write(ours), "written as JsonNode.toString() writes it");
    assertEquals(ours, JsonTrees.read(JsonTrees.write(ours)), "what is written reads back the same");
  }

  @Test
  void emptyTextIsAMissingNodeAsForTheMapper() throws IOException {
    assertTrue(JsonTrees.read("").isMissingNode());
    assertTrue(JsonTrees.read("   \n").isMissingNode());
    assertTrue(JsonTrees.read(new byte[0]).isMissingNode());
  }

  @Test
  void otherEncodingsAreRecognisedFromTheirBytes() throws IOException {
    String text = "{\"user\":\"j\u00fcrgen\"}";
    assertEquals(MAPPER.readTree(text), JsonTrees.read(text.getBytes(StandardCharsets.UTF_16)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":", "[1,2", "{\"a\" 1}", "{'a':1}", "[1,]x", "{\"a\":tru}", "}", "]"})
  void malformedOrCutShortIsAParseError(String text) {
    assertThrows(JsonParseException.class, () -> JsonTrees.read(text));
  }

  @Test
  void nestingBeyondTheParsersLimitIsRefusedNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThrows(StreamConstraintsException.class, () -> JsonTrees.read(deep));
  }

  @Test
  void aPrettyPrinterLaysItOut() throws IOException {
    JsonNode node = JsonTrees.read("{\"auths\":{\"r\":{}},\"credsStore\":\"agent\"}");
    assertEquals(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node),
        JsonTrees.write(node, new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()));
  }
}
