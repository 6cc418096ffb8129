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
  void aHelperNameCannotClimbOutOfItsPrefix() {
    assertThrows(IllegalArgumentException.class, () -> SourceDefinition.helper("../../bin/sh", Duration.ofHours(1), Map.of()));
  }
}
