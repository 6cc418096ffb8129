package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/** A WWW-Authenticate header comes from the network: challenges, or a checked error. */
class ChallengeParserFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void aHeaderIsChallengesOrMalformed(String header) {
    if (header == null) {
      return; // Jazzer's null: no header at all, which HttpClient never hands us
    }
    try {
      List<Challenge> challenges = ChallengeParser.parse(List.of(header));
      assertTrue(!challenges.isEmpty());
      challenges.forEach(challenge -> assertTrue(!challenge.scheme().isEmpty()));
    } catch (MalformedChallengeException e) {
      assertTrue(e.getMessage().startsWith("malformed WWW-Authenticate header: "));
    }
  }
}
