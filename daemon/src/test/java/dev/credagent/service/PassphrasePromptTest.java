package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.prompt.AssuanScript;
import dev.credagent.prompt.Pinentry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29, item 13: five gets from one terminal raised five prompts one after another, each
 * waiting its minute. After a cancel (or no answer), that terminal is left alone for a while and
 * its requests answer locked at once (no prompt: the service then answers from the locked vault);
 * other terminals are still asked, and the quiet time ends by the clock.
 */
class PassphrasePromptTest {
  private final TestClock clock = new TestClock();
  private final PassphrasePrompt prompt = new PassphrasePrompt((caller, passphrase) -> {
    passphrase.close();
    return CompletableFuture.completedFuture(null);
  }, () -> AgentConfig.DEFAULTS, new AuditTrail(AuditLog.NONE, clock), clock);

  @Test
  void aTerminalThatCancelledIsNotAskedAgainUntilItsQuietTimeIsOver(@TempDir Path dir) throws Exception {
    Pinentry cancelling = AssuanScript.cancelling(dir);
    Caller first = new Caller(1000, 11, null, "/dev/pts/7");
    ask(first, cancelling);
    assertEquals(1, AssuanScript.asked(dir));

    for (int get = 2; get <= 5; get++) {
      assertNull(prompt.unlockFor(first, cancelling, first.terminal(), "d"), "get " + get + " raised another prompt");
    }
    clock.advance(PassphrasePrompt.QUIET_AFTER_NO_ANSWER.minusSeconds(1));
    assertNull(prompt.unlockFor(first, cancelling, first.terminal(), "d"), "still quiet");
    assertEquals(1, AssuanScript.asked(dir));

    Caller other = new Caller(1000, 12, null, "/dev/pts/8");
    ask(other, cancelling);
    assertEquals(2, AssuanScript.asked(dir), "another terminal is asked");

    clock.advance(Duration.ofSeconds(1));
    ask(first, cancelling);
    assertEquals(3, AssuanScript.asked(dir), "asked again once the quiet time is over");
  }

  private void ask(Caller caller, Pinentry pinentry) throws Exception {
    CompletableFuture<Void> asked = prompt.unlockFor(caller, pinentry, caller.terminal(), "d");
    assertNotNull(asked, "a prompt on " + caller.terminal());
    asked.get(30, TimeUnit.SECONDS);
  }
}
