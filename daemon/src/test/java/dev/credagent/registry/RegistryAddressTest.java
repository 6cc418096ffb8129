package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** docker's naming: where a login is stored, and where it is made. */
class RegistryAddressTest {
  private static String both(String name, boolean insecure) {
    RegistryAddress address = RegistryAddress.of(name, insecure);
    return address.key() + " " + address.base();
  }

  @Test
  void dockerHubUnderItsHistoricKeyReachedAtRegistry1() {
    for (String name : new String[] {"", "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/", "DOCKER.IO"}) {
      assertEquals("https://index.docker.io/v1/ https://registry-1.docker.io", both(name, false), name);
    }
  }

  @Test
  void otherRegistriesUnderHostAndPortHttpsUnlessLoopbackOrInsecure() {
    assertEquals("registry.example.com:5000 https://registry.example.com:5000", both("registry.example.com:5000", false));
    assertEquals("ghcr.io https://ghcr.io", both("https://ghcr.io/v2/", false));
    assertEquals("127.0.0.1:5000 http://127.0.0.1:5000", both("127.0.0.1:5000", false));
    assertEquals("localhost:5000 http://localhost:5000", both("localhost:5000", false));
    assertEquals("[::1]:5000 http://[::1]:5000", both("[::1]:5000", false));
    assertEquals("r.internal http://r.internal", both("r.internal", true));
    assertEquals("r.internal http://r.internal", both("http://r.internal", false));
    assertEquals("127.0.0.1:5443 https://127.0.0.1:5443", both("https://127.0.0.1:5443", false), "said explicitly");
  }

  @Test
  void somethingThatIsNoRegistryNameIsRefused() {
    for (String name : new String[] {"https://", "a b", "user@host", "host:port"}) {
      assertThrows(IllegalArgumentException.class, () -> RegistryAddress.of(name, false), name);
    }
  }

  /**
   * Names of registry-name characters that no URI takes as a host: a token request for
   * {@code 127.1:18081} answered {@code internal} ("unsupported URI") with a stack trace in the
   * daemon log for each request, instead of one line naming what is wrong.
   */
  @Test
  void aNameNoUriTakesAsAHostIsRefusedAsNoRegistryName() {
    for (String name : new String[] {"127.1:18081", "reg.1", "-a.example", "a-.example", "a..b", ".a"}) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> RegistryAddress.of(name, false), name);
      assertEquals("'" + name + "' is not a registry name (HOST or HOST:PORT)", refused.getMessage());
    }
  }
}
