package dev.credagent.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * JSON text to a {@link JsonNode} tree and back, with jackson-core's streaming parser and
 * generator rather than databind's {@code ObjectMapper}. The daemon runs the relayed commands,
 * which read every answer as a tree: a mapper (and {@code JsonNode.toString()}, which makes one)
 * loads some 330 classes there, 0.2 s of the first relayed command and memory the daemon keeps all
 * session; a tree needs only its node classes. Read as {@code ObjectMapper.readTree} reads: empty
 * text is a {@link MissingNode}, a repeated name keeps its last value, what follows the first value
 * is not looked at; the parser's own limits (nesting, lengths) apply.
 */
public final class JsonTrees {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  public static JsonNode read(String text) throws IOException {
    try (JsonParser parser = FACTORY.createParser(text)) {
      return first(parser);
    }
  }

  /** Bytes in any encoding JSON allows (UTF-8 unless a BOM or the first bytes say otherwise). */
  public static JsonNode read(byte[] bytes) throws IOException {
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      return first(parser);
    }
  }

  /** The tree as one line of JSON, as {@code JsonNode.toString()} writes it. */
  public static String write(JsonNode node) {
    return write(node, null);
  }

  /** The tree laid out by {@code printer} (one line where it is null). */
  public static String write(JsonNode node, PrettyPrinter printer) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      generator.setPrettyPrinter(printer);
      write(generator, node);
    } catch (IOException cannotHappen) { // a StringWriter does not fail
      throw new UncheckedIOException(cannotHappen);
    }
    return out.toString();
  }

  private static JsonNode first(JsonParser parser) throws IOException {
    JsonToken token = parser.nextToken();
    return token == null ? MissingNode.getInstance() : value(parser, token);
  }

  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    if (token == null) {
      throw new JsonParseException(parser, "the JSON ends before its value does");
    }
    return switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        for (JsonToken next = parser.nextToken(); next == JsonToken.FIELD_NAME; next = parser.nextToken()) {
          String name = parser.currentName();
          object.set(name, value(parser, parser.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
          array.add(value(parser, next));
        }
        yield array;
      }
      case VALUE_STRING -> NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
        case INT -> NODES.numberNode(parser.getIntValue());
        case LONG -> NODES.numberNode(parser.getLongValue());
        default -> NODES.numberNode(parser.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      // The parser reports a cut-short document itself; anything else here is not a value.
      default -> throw new JsonParseException(parser, "a JSON value was expected");
    };
  }

  private static void write(JsonGenerator out, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        out.writeStartObject();
        for (Map.Entry<String, JsonNode> property : node.properties()) {
          out.writeFieldName(property.getKey());
          write(out, property.getValue());
        }
        out.writeEndObject();
      }
      case ARRAY -> {
        out.writeStartArray();
        for (JsonNode element : node) {
          write(out, element);
        }
        out.writeEndArray();
      }
      case STRING -> out.writeString(node.textValue());
      case NUMBER -> {
        if (node.isBigInteger()) {
          out.writeNumber(node.bigIntegerValue());
        } else if (node.isIntegralNumber()) {
          out.writeNumber(node.longValue());
        } else if (node.isBigDecimal()) {
          out.writeNumber(node.decimalValue());
        } else {
          out.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> out.writeBoolean(node.booleanValue());
      case BINARY -> out.writeBinary(node.binaryValue());
      case NULL, MISSING -> out.writeNull();
      case POJO -> out.writeString(node.asText());
    }
  }
}
