package dev.credagent.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.client.JsonTrees;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.DurableFile;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.files.SmallFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code setup} changed, kept in CREDAGENT_HOME so that {@code setup --undo} can put it back:
 * the {@code credsStore} docker's config had before (none: the key is removed on undo).
 */
public record SetupState(boolean done, String previousCredsStore) {
  public static final String FILE_NAME = "setup.json";

  public static SetupState read(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return new SetupState(false, null);
    }
    JsonNode node = JsonTrees.read(SmallFile.read(file, 64 * 1024, "setup state"));
    return new SetupState(true, node.path("previousCredsStore").isTextual() ? node.path("previousCredsStore").asText() : null);
  }

  public void write(Path home) throws IOException {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (previousCredsStore != null) {
      node.put("previousCredsStore", previousCredsStore);
    } else {
      node.putNull("previousCredsStore");
    }
    PrivateDirectory.ensure(home, CurrentUser.uid()); // 0700, whatever the umask
    DurableFile.replace(home.resolve(FILE_NAME), (JsonTrees.write(node) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public static void remove(Path home) throws IOException {
    Files.deleteIfExists(home.resolve(FILE_NAME));
  }
}
