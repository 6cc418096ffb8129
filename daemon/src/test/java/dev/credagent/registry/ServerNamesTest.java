package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The names clients send for one registry, as each sends them (docs/protocol.md's server-key rules). */
class ServerNamesTest {
  @Test
  void dockerHubUnderEveryNameIsOneKey() {
    for (String name : Arrays.asList("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io",
        "registry.hub.docker.com", "https://registry-1.docker.io", "https://index.docker.io/v1", "https://docker.io/",
        "https://registry-1.docker.io/v2/", "DOCKER.IO")) {
      assertEquals(ServerNames.HUB_KEY, ServerNames.hubKey(name), name);
    }
    for (String other : Arrays.asList("https://index.docker.io/v1/access-token", "https://index.docker.io/v1/refresh-token",
        "docker.io/library/ubuntu", "quay.io", "mydocker.io", "index.docker.io.evil.example")) {
      assertEquals(null, ServerNames.hubKey(other), other);
    }
  }

  @Test
  void aUrlIsTheHostDockerWouldKeyItBy() {
    String[][] table = {
        {"https://127.0.0.1:5123", "127.0.0.1:5123"},
        {"https://reg.example.com/", "reg.example.com"},
        {"http://reg:5000", "reg:5000"},
        {"https://reg.example.com/v1/", "reg.example.com"},
        {"https://reg.example.com/v2/team/app", "reg.example.com"},
        {"reg.example.com", null},
        {"reg.example.com:5000", null},
        {"https://index.docker.io/v1/", null},
        // docker drops the path with or without a scheme; credagent where it only names the registry
        {"127.0.0.1:5000/v1/", "127.0.0.1:5000"},
        {"reg.example.com:5000/v2", "reg.example.com:5000"},
        {"reg.example.com/", "reg.example.com"},
        {"ghcr.io/org-c/", null},
        {"ghcr.io/v1/app", null},
    };
    for (String[] row : table) {
      assertEquals(row[1], ServerNames.dockerHostname(row[0]), row[0]);
    }
  }
}
