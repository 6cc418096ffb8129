package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ShareCommandTest {
  @Test
  void aSharesExpiryIsShownInLocalTimeToTheSecond() {
    // Before: "until 2026-12-01T16:10:00.123456789Z", the protocol's instant as it came.
    assertEquals("2026-12-01 17:10:00 +01:00", ShareCommand.localTime("2026-12-01T16:10:00.123456789Z", ZoneId.of("Europe/Berlin")));
    assertEquals("2026-12-01 16:10:00 +00:00", ShareCommand.localTime("2026-12-01T16:10:00.999Z", ZoneId.of("UTC")));
  }

  @Test
  void anExpiryThatIsNoInstantIsShownAsItCame() {
    assertEquals("soon", ShareCommand.localTime("soon", ZoneId.of("UTC")));
  }

  @Test
  void statusShowsAShareUntilTheSameLocalTime() {
    assertEquals("ghcr.io/org-a; until " + ShareCommand.localTime("2026-12-01T16:10:00.5Z", ZoneId.systemDefault()),
        StatusCommand.withLocalExpiry("ghcr.io/org-a; until 2026-12-01T16:10:00.5Z"));
    assertEquals("no expiry here", StatusCommand.withLocalExpiry("no expiry here"));
  }

  @Test
  void thereIsNoReadOnlyOptionThatCouldBeLeftOut() {
    // Every share is read-only; an option that cannot be false suggested shares that are not.
    picocli.CommandLine share = new picocli.CommandLine(new ShareCommand(null));
    org.junit.jupiter.api.Assertions.assertNull(share.getCommandSpec().findOption("--read-only"));
    org.junit.jupiter.api.Assertions.assertTrue(String.join(" ", share.getCommandSpec().usageMessage().description())
        .contains("Every share is read-only"));
  }
}
