package dev.credagent.imports;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.client.JsonTrees;
import dev.credagent.files.SmallFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The {@code auths} of docker's {@code config.json} and of containers' {@code auth.json}, which
 * share a format: per registry, {@code auth} (base64 of {@code user:password}) or an {@code
 * identitytoken} (stored, as docker does, under the username {@code <token>}).
 */
public final class AuthFile {
  /** docker's username for an identity token, which the daemon's logins use too. */
  public static final String IDENTITY_TOKEN_USERNAME = "<token>";
  /** The fields of an auths entry that hold a secret: what {@link #strip} removes. */
  static final List<String> SECRET_FIELDS = List.of("auth", "identitytoken", "password", "username");

  /**
   * Far past any real file (a login is ~200 bytes): a FIFO, {@code /dev/zero} or a runaway file
   * is refused with one line instead of hanging or running out of memory.
   */
  public static final long MAX_FILE_BYTES = 4L << 20;

  private AuthFile() {}

  /**
   * The whole file as a JSON object (an empty one where it does not exist), or a clear error; only
   * a regular file of at most {@link #MAX_FILE_BYTES} is read.
   */
  public static ObjectNode read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode root;
    try {
      root = JsonTrees.read(SmallFile.read(file, MAX_FILE_BYTES, "auth file"));
    } catch (JsonParseException e) {
      throw new MalformedAuthFileException(file, "line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr(), "not valid JSON");
    }
    if (root == null || root.isMissingNode()) {
      return JsonNodeFactory.instance.objectNode(); // an empty file, as docker treats it
    }
    if (!(root instanceof ObjectNode object)) {
      throw new MalformedAuthFileException(file, "the top level", "a JSON object was expected");
    }
    JsonNode auths = object.get("auths");
    if (auths != null && !auths.isObject()) {
      throw new MalformedAuthFileException(file, "\"auths\"", "a JSON object was expected");
    }
    return object;
  }

  /** Every credential in {@code root}'s {@code auths}; entries without one (docker's {@code {}}) are not listed. */
  public static Harvest credentials(Path file, ObjectNode root) throws IOException {
    Harvest harvest = new Harvest(file.toString());
    JsonNode auths = root.path("auths");
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> entry = it.next();
      String server = entry.getKey();
      String place = "\"auths\".\"" + server + "\"";
      if (!entry.getValue().isObject()) {
        throw new MalformedAuthFileException(file, place, "a JSON object was expected");
      }
      JsonNode value = entry.getValue();
      String token = text(file, place, value, "identitytoken");
      String auth = text(file, place, value, "auth");
      if (!token.isEmpty()) {
        harvest.found().add(new Found(server, IDENTITY_TOKEN_USERNAME, token.toCharArray()));
      } else if (!auth.isEmpty()) {
        harvest.found().add(decode(file, place, server, auth));
      } else if (!text(file, place, value, "password").isEmpty()) {
        harvest.found().add(new Found(server, text(file, place, value, "username"),
            text(file, place, value, "password").toCharArray()));
      } else if (!hasOnlyEmptyFields(value)) {
        harvest.skipped().add(new Skipped(server, "its entry holds no auth, identitytoken or password"));
      }
    }
    return harvest;
  }

  /** Removes the secrets of {@code server}'s entry, keeping the entry ({@code {}}), as docker leaves it with a credsStore. */
  public static void strip(ObjectNode root, String server) {
    if (root.path("auths").path(server) instanceof ObjectNode entry) {
      SECRET_FIELDS.forEach(entry::remove);
    }
  }

  private static boolean hasOnlyEmptyFields(JsonNode value) {
    for (JsonNode field : value) {
      if (!field.asText("").isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static String text(Path file, String place, JsonNode entry, String field) throws MalformedAuthFileException {
    JsonNode value = entry.get(field);
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      throw new MalformedAuthFileException(file, place + ".\"" + field + "\"", "a string was expected");
    }
    return value.asText();
  }

  private static Found decode(Path file, String place, String server, String auth) throws MalformedAuthFileException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(auth.strip());
    } catch (IllegalArgumentException e) {
      throw new MalformedAuthFileException(file, place + ".\"auth\"", "not base64");
    }
    try {
      CharBuffer decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      char[] chars = decoded.array();
      int end = decoded.limit();
      int colon = -1;
      for (int i = 0; i < end; i++) {
        if (chars[i] == ':') {
          colon = i;
          break;
        }
      }
      if (colon <= 0) {
        Arrays.fill(chars, '\0');
        throw new MalformedAuthFileException(file, place + ".\"auth\"", "not base64 of username:password");
      }
      String username = new String(chars, 0, colon);
      char[] secret = Arrays.copyOfRange(chars, colon + 1, end);
      Arrays.fill(chars, '\0');
      return new Found(server, username, secret);
    } catch (CharacterCodingException e) {
      throw new MalformedAuthFileException(file, place + ".\"auth\"", "not UTF-8 once decoded");
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
