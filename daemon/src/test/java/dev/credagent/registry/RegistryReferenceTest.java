package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryReferenceTest {
  @Test
  void splitsOnceIntoLowerCaseParts() {
    RegistryReference reference = RegistryReference.parse(" HTTPS://GHCR.io:443/My-Org/App// ");
    assertEquals("https", reference.scheme());
    assertEquals("ghcr.io", reference.host());
    assertEquals("443", reference.port());
    assertEquals("my-org/app", reference.path());
    assertEquals("ghcr.io:443", reference.authority());
    assertEquals("/my-org/app", reference.repositoryPath());
  }

  @Test
  void keepsWhatWasWrittenForExactKeys() {
    RegistryReference reference = RegistryReference.parse("Reg.Example.com/Team/app");
    assertEquals("Reg.Example.com/Team/app", reference.written());
    assertEquals("Reg.Example.com", reference.registryAsWritten());
    assertEquals("https://index.docker.io/v1/", RegistryReference.parse("https://index.docker.io/v1/").registryAsWritten(),
        "a URL is its own registry: Docker Hub's key is one");
  }

  @Test
  void anIpv6LiteralsColonsAreNoPort() {
    assertEquals("[::1]", RegistryReference.parse("[::1]").host());
    assertEquals("", RegistryReference.parse("[::1]").port());
    assertEquals("5000", RegistryReference.parse("[::1]:5000/app").port());
    assertEquals("[::1]:5000", RegistryAddress.of("[::1]:5000", false).key());
  }

  @Test
  void anEmptyPortIsNoName() {
    assertTrue(RegistryReference.parse("reg:/app").emptyPort());
    assertThrows(IllegalArgumentException.class, () -> RegistryAddress.of("reg:", false));
    assertThrows(IllegalArgumentException.class, () -> RegistryPattern.parse("reg:/app"));
    assertThrows(IllegalArgumentException.class, () -> RegistryAddress.of("ftp://reg", false));
    assertThrows(IllegalArgumentException.class, () -> RegistryAddress.of("reg:99999999", false));
  }

  @Test
  void dockerComparesTheSchemeExactly() {
    assertEquals("Reg:5000", RegistryReference.parse("https://Reg:5000/v1/").dockerHostname());
    assertNull(RegistryReference.parse("HTTPS://reg/").dockerHostname());
    assertNull(RegistryReference.parse("reg/app").dockerHostname());
    assertNull(RegistryReference.parse("https:///x").dockerHostname());
  }

  /** The rules that used to split a name each their own way now agree on every one of these. */
  @Test
  void everyRuleReadsTheSameParts() {
    RegistryPattern pattern = RegistryPattern.parse("ghcr.io/my-org");
    PatternIndex index = PatternIndex.of(List.of("ghcr.io/my-org"), List.of());
    for (String server : List.of("ghcr.io/my-org/app", "GHCR.IO/My-Org/app/", "https://ghcr.io/my-org/app",
        "ghcr.io:443/my-org/app", "ghcr.io/my-org")) {
      RegistryReference reference = RegistryReference.parse(server);
      assertTrue(pattern.matches(reference), server);
      assertEquals("ghcr.io/my-org", index.mostSpecific(reference, false).orElseThrow().key(), server);
    }
    for (String server : List.of("ghcr.io/my-org-evil/app", "ghcr.io/other/my-org", "ghcr.io", "evil.io/ghcr.io/my-org",
        "ghcr.io.evil.io/my-org", "[::1]/my-org")) {
      RegistryReference reference = RegistryReference.parse(server);
      assertFalse(pattern.matches(reference), server);
      assertTrue(index.mostSpecific(reference, false).isEmpty(), server);
    }
  }

  @Test
  void dockerHubsNamesAreOneWithAnyOfItsRegistryPaths() {
    for (String name : List.of("docker.io", "DOCKER.IO/v2/", "https://index.docker.io/v1/", "registry-1.docker.io",
        "registry.hub.docker.com/v1")) {
      assertTrue(ServerNames.isHub(name), name);
      assertEquals(ServerNames.HUB_KEY, RegistryAddress.of(name, false).key(), name);
    }
    assertFalse(ServerNames.isHub("docker.io/library/nginx"));
    assertFalse(ServerNames.isHub("docker.io:5000"));
    assertFalse(ServerNames.isHub("https://index.docker.io/v1/access-token"));
    assertEquals(ServerNames.HUB_KEY, RegistryAddress.of("docker.io/library/nginx", false).key(),
        "a repository of Hub logs in to Hub");
  }
}
