package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The headers registries document, and the edge cases RFC 7235 allows. */
class ChallengeParserTest {
  private static Challenge only(String header) throws Exception {
    List<Challenge> challenges = ChallengeParser.parse(List.of(header));
    assertEquals(1, challenges.size(), challenges.toString());
    return challenges.getFirst();
  }

  @Test
  void theRegistriesOwnHeaders() throws Exception {
    Map<String, Map<String, String>> documented = Map.of(
        // Docker Hub (docs.docker.com registry token auth)
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/ubuntu:pull\"",
        Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:library/ubuntu:pull"),
        // GHCR
        "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:user/image:pull\"",
        Map.of("realm", "https://ghcr.io/token", "service", "ghcr.io", "scope", "repository:user/image:pull"),
        // ECR answers Basic
        "Basic realm=\"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/\",service=\"ecr.amazonaws.com\"",
        Map.of("realm", "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/", "service", "ecr.amazonaws.com"),
        // GCR / Artifact Registry
        "Bearer realm=\"https://gcr.io/v2/token\",service=\"gcr.io\"",
        Map.of("realm", "https://gcr.io/v2/token", "service", "gcr.io"),
        // Quay
        "Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\"",
        Map.of("realm", "https://quay.io/v2/auth", "service", "quay.io"),
        // Harbor
        "Bearer realm=\"https://harbor.example.com/service/token\",service=\"harbor-registry\"",
        Map.of("realm", "https://harbor.example.com/service/token", "service", "harbor-registry"),
        // distribution's htpasswd
        "Basic realm=\"Registry Realm\"",
        Map.of("realm", "Registry Realm"));
    for (Map.Entry<String, Map<String, String>> header : documented.entrySet()) {
      assertEquals(header.getValue(), only(header.getKey()).params(), header.getKey());
    }
  }

  @Test
  void schemesAndNamesAreCaseInsensitiveAndQuotedValuesMayHoldCommas() throws Exception {
    Challenge challenge = only("bEARER Realm=\"https://r/token\", scope=\"repository:a:pull,push\" ,Service=svc");
    assertEquals("bearer", challenge.scheme());
    assertEquals(Map.of("realm", "https://r/token", "scope", "repository:a:pull,push", "service", "svc"), challenge.params());
    assertEquals("a\"b\\c", only("Bearer realm=\"a\\\"b\\\\c\"").param("realm"));
  }

  @Test
  void severalChallengesInOneHeaderOrInSeveral() throws Exception {
    List<Challenge> challenges = ChallengeParser.parse(List.of(
        "Basic realm=\"x\", Bearer realm=\"https://r/token\",service=\"r\"", "Negotiate abc==, Digest realm=\"d\""));
    assertEquals(List.of("basic", "bearer", "negotiate", "digest"), challenges.stream().map(Challenge::scheme).toList());
    assertEquals("abc==", challenges.get(2).param("token68"));
    assertEquals("r", challenges.get(1).param("service"));
  }

  @Test
  void malformedHeadersAreCheckedErrorsThatSayWhere() {
    for (String header : List.of("", ",", "Bearer realm=\"open", "Bearer realm=", "Bearer realm=,service=x", "Bearer realm=\"a\" service=\"b\"",
        "Bearer realm=\"a\",realm=\"b\"", "=x", "Bearer =")) {
      MalformedChallengeException e = assertThrows(MalformedChallengeException.class,
          () -> ChallengeParser.parse(List.of(header)), header);
      assertTrue(e.getMessage().startsWith("malformed WWW-Authenticate header: "), e.getMessage());
    }
  }
}
