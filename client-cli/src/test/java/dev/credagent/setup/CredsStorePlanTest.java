package dev.credagent.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** setup's plan for docker's config.json, worked out from the file alone: the file is never touched. */
class CredsStorePlanTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FILE = Path.of("/home/u/.docker/config.json");

  private static ObjectNode config(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void setupPointsDockerAtCredagentKeepingEveryOtherKeyAndRemembersWhatWasThere() throws Exception {
    ObjectNode before = config("{\"credsStore\": \"pass\", \"proxies\": {\"default\": {\"httpProxy\": \"p\"}},"
        + " \"auths\": {\"r.example\": {\"auth\": \"YTpi\"}, \"q.example\": {}}, \"currentContext\": \"x\"}");
    CredsStorePlan plan = CredsStorePlan.setup(FILE, before, true, List.of("r.example"));
    assertEquals("{\"credsStore\":\"agent\",\"proxies\":{\"default\":{\"httpProxy\":\"p\"}},"
        + "\"auths\":{\"r.example\":{},\"q.example\":{}},\"currentContext\":\"x\"}", plan.after().toString());
    assertEquals(List.of("remove the plaintext of 1 credential(s) from " + FILE + ": [r.example]",
        "set \"credsStore\": \"agent\" in " + FILE + " (it was \"pass\")"), plan.changes());
    assertEquals(new SetupState(true, "pass"), plan.state());
    assertEquals("pass", before.path("credsStore").asText(), "the plan changes a copy, never what it was given");
  }

  @Test
  void runningItAgainChangesNothing() throws Exception {
    CredsStorePlan plan = CredsStorePlan.setup(FILE, config("{\"credsStore\": \"agent\", \"auths\": {}}"), true, List.of());
    assertFalse(plan.writes());
    assertNull(plan.state());
  }

  @Test
  void aLockedVaultLeavesDockersStoreSoItsLoginsStillWork() throws Exception {
    CredsStorePlan plan = CredsStorePlan.setup(FILE, config("{\"auths\": {\"r.example\": {\"auth\": \"YTpi\"}}}"),
        false, List.of());
    assertFalse(plan.writes());
    assertEquals("{\"auths\":{\"r.example\":{\"auth\":\"YTpi\"}}}", plan.after().toString());
  }

  @Test
  void undoPutsThePreviousStoreBackOrRemovesOursButNeverAnotherProgramsStore() throws Exception {
    CredsStorePlan back = CredsStorePlan.undo(FILE, config("{\"credsStore\": \"agent\", \"k\": 1}"), new SetupState(true, "pass"));
    assertEquals("{\"credsStore\":\"pass\",\"k\":1}", back.after().toString());
    CredsStorePlan removed = CredsStorePlan.undo(FILE, config("{\"credsStore\": \"agent\"}"), new SetupState(false, null));
    assertEquals("{}", removed.after().toString());
    assertEquals(List.of("remove \"credsStore\": \"agent\" from " + FILE), removed.changes());
    CredsStorePlan foreign = CredsStorePlan.undo(FILE, config("{\"credsStore\": \"desktop\"}"), new SetupState(true, "pass"));
    assertFalse(foreign.writes(), "another program's store is left as it is");
    assertTrue(foreign.notes().getFirst().contains("\"desktop\", not credagent's"), foreign.notes().toString());
  }
}
