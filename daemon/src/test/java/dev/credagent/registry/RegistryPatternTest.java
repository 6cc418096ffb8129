package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The kubelet credential provider's matchImages rules, from its documentation's examples. */
class RegistryPatternTest {
  static Stream<Arguments> table() {
    return Stream.of(
        // pattern, image, matches: the kubelet documentation's examples first
        Arguments.of("*.kubernetes.io", "abcde.kubernetes.io", true),
        Arguments.of("*.kubernetes.io", "kubernetes.io", false),
        Arguments.of("*.kubernetes.io", "a.b.kubernetes.io", false),
        Arguments.of("*.*.kubernetes.io", "abc.def.kubernetes.io", true),
        Arguments.of("prefix.*.io", "prefix.kubernetes.io", true),
        Arguments.of("*-good.kubernetes.io", "prefix-good.kubernetes.io", true),
        Arguments.of("*-good.kubernetes.io", "prefix-bad.kubernetes.io", false),
        Arguments.of("k8s.*", "k8s.io", true),
        Arguments.of("*.io", "k8s.io", true),
        Arguments.of("*.io", "registry.k8s.io", false),
        Arguments.of("*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", true),
        Arguments.of("*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn", false),
        // ports: one in the pattern must be the image's; none in the pattern matches any
        Arguments.of("registry.example.com:5000", "registry.example.com:5000", true),
        Arguments.of("registry.example.com:5000/team-a", "registry.example.com:5001/team-a/app", false),
        Arguments.of("registry.example.com:5000/team-a", "registry.example.com/team-a/app", false),
        Arguments.of("*.example.com", "r.example.com:5000", true),
        // paths: a prefix of the image's, by whole segments
        Arguments.of("ghcr.io/my-org/", "ghcr.io/my-org/app", true),
        Arguments.of("ghcr.io/my-org", "ghcr.io/my-org", true),
        Arguments.of("ghcr.io/my-org", "ghcr.io/my-organisation/app", false),
        Arguments.of("ghcr.io/my-org", "ghcr.io", false),
        Arguments.of("registry.example.com:5000/team-a/", "registry.example.com:5000/team-a/sub/app", true),
        Arguments.of("GHCR.io/My-Org", "ghcr.io/my-org/app", true));
  }

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @MethodSource("table")
  void matchesAsTheKubeletDoes(String pattern, String image, boolean matches) {
    assertEquals(matches, RegistryPattern.parse(pattern).matches(image));
  }

  @Test
  void theMostSpecificPatternComesFirst() {
    List<String> sorted = Stream.of("*.example.com", "r.example.com/team", "*.example.com:5000",
            "r.example.com/team/app", "r.*.com", "*.*.com")
        .map(RegistryPattern::parse).sorted(RegistryPattern.MOST_SPECIFIC_FIRST).map(RegistryPattern::text).toList();
    assertEquals(List.of("r.example.com/team/app", "r.example.com/team", "*.example.com:5000", "*.example.com",
        "r.*.com", "*.*.com"), sorted);
  }

  @Test
  void aPatternIsWrittenOneWayHoweverItWasGiven() {
    assertEquals("ghcr.io/my-org", RegistryPattern.parse("GHCR.io/My-Org/").text());
    assertEquals("*.example.com:5000/team", RegistryPattern.parse(" *.example.com:5000/team// ").text());
  }

  /** The helper's list and credagent list ask this of every stored key; a key that is no valid pattern is a login. */
  @Test
  void aStoredKeyIsAPatternOnlyWhenWrittenAsOneAndValid() {
    for (String pattern : List.of("*.example.com", "ghcr.io/my-org", "*.example.com:5000/team")) {
      assertTrue(RegistryPattern.isPattern(pattern), pattern);
    }
    // Logins: a host, a host and port, docker's own host keys with a path, a URL, and what would
    // be a pattern but is malformed (stored as a login before patterns were checked).
    for (String login : List.of("ghcr.io", "registry.example.com:5000", "reg:5000/v1/", "https://index.docker.io/v1/",
        "https://ghcr.io/my-org", "ghcr.io/*/app", "*.example.com:*", "", "/")) {
      assertFalse(RegistryPattern.isPattern(login), login);
    }
  }

  @Test
  void aPlainServerIsNoPattern() {
    assertTrue(RegistryPattern.of("registry.example.com:5000").isEmpty());
    assertTrue(RegistryPattern.of("*.example.com").isPresent());
    assertTrue(RegistryPattern.of("ghcr.io/my-org/").isPresent());
    assertFalse(RegistryPattern.looksLikeOne("https://index.docker.io/v1/"));
  }

  @Test
  void whatIsNoPatternIsRefusedWithTheForm() {
    for (String bad : List.of("https://*.example.com", "*.example.com:*", "ghcr.io/*/app", "a..b", "*.example.com:")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegistryPattern.parse(bad));
      assertTrue(e.getMessage().contains("HOST[:PORT][/PATH]"), e.getMessage());
    }
  }
}
