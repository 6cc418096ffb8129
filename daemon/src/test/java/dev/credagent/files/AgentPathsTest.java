package dev.credagent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentPathsTest {
  @Test
  void explicitVariablesWin() {
    AgentPaths paths = AgentPaths.fromEnvironment(Map.of(
        "CREDAGENT_HOME", "/h", "CREDAGENT_SOCKET", "/s/a.sock", "XDG_RUNTIME_DIR", "/run/user/7", "HOME", "/home/u"), 7);
    assertEquals(new AgentPaths(Path.of("/h"), Path.of("/s/a.sock")), paths);
  }

  @Test
  void xdgDirectoriesComeNext() {
    AgentPaths paths = AgentPaths.fromEnvironment(Map.of(
        "XDG_DATA_HOME", "/home/u/data", "XDG_RUNTIME_DIR", "/run/user/7", "HOME", "/home/u"), 7);
    assertEquals(Path.of("/home/u/data/credagent"), paths.home());
    assertEquals(Path.of("/run/user/7/credagent/agent.sock"), paths.socket());
  }

  @Test
  void withoutXdgTheHomeIsUnderLocalShareAndTheSocketInAPerUserTempDirectory() {
    AgentPaths paths = AgentPaths.fromEnvironment(Map.of("HOME", "/home/u", "XDG_RUNTIME_DIR", ""), 1000);
    assertEquals(Path.of("/home/u/.local/share/credagent"), paths.home());
    assertEquals(Path.of("/tmp/credagent-1000/agent.sock"), paths.socket());
    assertEquals(Path.of("/home/u/.local/share/credagent/vault"), paths.vault());
  }

  @Test
  void macOsPerUserTmpdirIsHonoured() {
    AgentPaths paths = AgentPaths.fromEnvironment(Map.of("HOME", "/Users/u", "TMPDIR", "/var/folders/xy/T/"), 501);
    assertEquals(Path.of("/var/folders/xy/T/credagent-501/agent.sock"), paths.socket());
  }
}
