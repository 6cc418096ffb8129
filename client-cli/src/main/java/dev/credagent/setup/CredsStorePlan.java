package dev.credagent.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.imports.AuthFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code setup} (or {@code setup --undo}) would change in docker's config.json, worked out
 * from the file's contents alone and changing nothing: the file as it would be written, what the
 * user is told, and the {@link SetupState} to keep for the undo. The command runs the plan (writes
 * the file with its backup, keeps the state) or, with {@code --dry-run}, prints it.
 *
 * @param after the file's JSON as it would be written (every key setup does not own kept as it was)
 * @param changes one line per change, as {@code setup} prints them ("would ..." on a dry run)
 * @param notes what the user should know, changed or not
 * @param state what to keep for the undo; null: keep nothing new (setup), or remove it (undo)
 */
public record CredsStorePlan(ObjectNode after, List<String> changes, List<String> notes, SetupState state) {
  /** Whether the file is to be written. */
  public boolean writes() {
    return !changes.isEmpty();
  }

  /**
   * Setup: {@code "credsStore": "agent"} unless {@code switchStore} is false (the vault was locked,
   * so the plaintext could not be imported, and docker keeps its store so that it still works),
   * and the plaintext of {@code imported} (now in the vault) stripped from {@code "auths"}.
   */
  public static CredsStorePlan setup(Path file, ObjectNode before, boolean switchStore, List<String> imported) {
    ObjectNode after = before.deepCopy();
    List<String> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (!imported.isEmpty()) {
      imported.forEach(server -> AuthFile.strip(after, server));
      changes.add("remove the plaintext of " + imported.size() + " credential(s) from " + file + ": " + imported);
    }
    String previous = before.path("credsStore").isTextual() ? before.path("credsStore").asText() : null;
    SetupState state = null;
    if (switchStore && !"agent".equals(previous)) {
      after.put("credsStore", "agent");
      changes.add("set \"credsStore\": \"agent\" in " + file + (previous == null ? "" : " (it was \"" + previous + "\")"));
      state = new SetupState(true, previous);
    }
    return new CredsStorePlan(after, changes, notes, state);
  }

  /**
   * Undo: our {@code credsStore} replaced by the one {@code state} says was there before (or
   * removed); another program's is left as it is.
   */
  public static CredsStorePlan undo(Path file, ObjectNode before, SetupState state) {
    ObjectNode after = before.deepCopy();
    List<String> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    JsonNode store = before.path("credsStore");
    if ("agent".equals(store.asText(null))) {
      if (state.previousCredsStore() != null) {
        after.put("credsStore", state.previousCredsStore());
        changes.add("set \"credsStore\" back to \"" + state.previousCredsStore() + "\" in " + file);
      } else {
        after.remove("credsStore");
        changes.add("remove \"credsStore\": \"agent\" from " + file);
      }
      notes.add("note: the credentials stay in the vault (`credagent list`); setup's backups ("
          + file.getFileName() + ".credagent-backup-*) hold the file as it was before each change");
    } else if (store.isTextual()) {
      notes.add("note: \"credsStore\" is \"" + store.asText() + "\", not credagent's: left as it is");
    }
    return new CredsStorePlan(after, changes, notes, null);
  }
}
