package dev.credagent.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a source may run: a name on PATH or an absolute path, never a path relative to the daemon's home. */
class SourceDefinitionTest {
  private static SourceDefinition exec(String command) {
    return SourceDefinition.exec(command, "AWS", Duration.ofHours(1), Map.of());
  }

  @Test
  void aRelativeProgramIsRefusedWithTheAbsoluteFormToUse() {
    for (String relative : List.of("./pw.sh", "bin/pw.sh --x", "../pw.sh")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> exec(relative));
      assertTrue(e.getMessage().contains("absolute path") && e.getMessage().contains("$PWD/"), e.getMessage());
    }
  }

  @Test
  void aNameOnPathOrAnAbsolutePathIsTaken() {
    assertEquals(List.of("aws", "ecr", "get-login-password"), exec("aws ecr get-login-password").argv());
    assertEquals(List.of("/opt/pw.sh"), exec("/opt/pw.sh").argv());
  }

  @Test
  void aSourceIsListedAsAShellWouldTakeItBack() {
    assertEquals("exec sh -c 'echo pw' (username AWS), ttl 3600 s", exec("sh -c 'echo pw'").describe());
    assertEquals("exec aws ecr get-login-password --region eu-west-1 (username AWS), ttl 3600 s",
        exec("aws ecr get-login-password --region eu-west-1").describe());
  }

  @Test
  void aProgramThatIsNotThereIsSaidAtAddTime() {
    assertEquals(null, exec("sh -c x").missingProgram("/usr/bin:/bin"));
    assertTrue(exec("no-such-credential-program x").missingProgram("/usr/bin:/bin").contains("is not on the daemon's PATH"));
    assertTrue(exec("/nonexistent/pw.sh").missingProgram("/usr/bin").contains("is not an executable file"));
  }

  @Test
  void aHelperNameCannotClimbOutOfItsPrefix() {
    assertThrows(IllegalArgumentException.class, () -> SourceDefinition.helper("../../bin/sh", Duration.ofHours(1), Map.of()));
  }

  /**
   * The vault keeps each source as this JSON: its bytes are the vault's, so each kind's stays as
   * it was written before the kinds were records of their own, and reads back as the same kind.
   */
  @Test
  void eachKindIsStoredAsBeforeAndReadBackAsItself() throws Exception {
    SourceDefinition exec = SourceDefinition.exec("aws ecr get-login-password", "AWS", Duration.ofHours(2),
        Map.of("AWS_PROFILE", "ci"));
    SourceDefinition helper = SourceDefinition.helper("gcloud", Duration.ofMinutes(30), Map.of());
    assertEquals("{\"argv\":[\"aws\",\"ecr\",\"get-login-password\"],\"username\":\"AWS\",\"ttl\":7200,"
        + "\"env\":{\"AWS_PROFILE\":\"ci\"}}", exec.encode());
    assertEquals("{\"argv\":[\"docker-credential-gcloud\",\"get\"],\"helper\":\"gcloud\",\"ttl\":1800,\"env\":{}}",
        helper.encode());
    assertEquals(exec, SourceDefinition.decode(exec.encode()));
    assertEquals(helper, SourceDefinition.decode(helper.encode()));
    assertEquals("helper gcloud, ttl 1800 s", helper.describe());
    assertEquals("exec aws ecr get-login-password (username AWS), ttl 7200 s, env AWS_PROFILE", exec.describe());
  }
}
