package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.prompt.AssuanScript;
import dev.credagent.prompt.DisplaySession;
import dev.credagent.prompt.Pinentry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  /**
   * Adversarial pass, F3: a helper sends both its terminal and its DISPLAY; the display won, so a
   * DISPLAY left over in tmux put the window on whatever that number means now. The requester's
   * own terminal is asked on; its display is not even looked at.
   */
  @Test
  void aRequesterWithATerminalAndADisplayIsAskedOnItsTerminal(@TempDir Path bin) throws Exception {
    for (String name : new String[] {"pinentry-tty", "pinentry-gtk-2"}) {
      Files.writeString(bin.resolve(name), "#!/bin/sh\n");
      Files.setPosixFilePermissions(bin.resolve(name), PosixFilePermissions.fromString("rwx------"));
    }
    DisplaySession display = new DisplaySession(":5", null, null, "x11", null);
    PassphrasePrompt.Choice both = PassphrasePrompt.choose("/dev/pts/7", () -> {
      throw new AssertionError("the display was checked though the terminal is asked on");
    }, "auto", bin.toString()).orElseThrow();
    assertEquals(DisplaySession.NONE, both.display());
    assertEquals(bin.resolve("pinentry-tty"), both.pinentry().program());

    PassphrasePrompt.Choice launcher = PassphrasePrompt.choose(null, () -> display, "auto", bin.toString()).orElseThrow();
    assertEquals(display, launcher.display(), "no terminal: the display");
    assertEquals(bin.resolve("pinentry-gtk-2"), launcher.pinentry().program());

    Files.delete(bin.resolve("pinentry-tty"));
    assertEquals(display, PassphrasePrompt.choose("/dev/pts/7", () -> display, "auto", bin.toString()).orElseThrow().display(),
        "no terminal pinentry here: the display");
    assertEquals(java.util.Optional.empty(), PassphrasePrompt.choose(null, () -> DisplaySession.NONE, "auto", bin.toString()));
  }

  /** Adversarial pass, F4: the quiet time was keyed by the DISPLAY string; each spelling opened a new window. */
  @Test
  void aDisplayThatCancelledIsQuietHoweverItsNameIsSpelled(@TempDir Path dir) throws Exception {
    Pinentry cancelling = AssuanScript.cancelling(dir);
    Caller caller = new Caller(1000, 11, null, null);
    askOn(caller, cancelling, ":96");
    assertEquals(1, AssuanScript.asked(dir));
    for (String same : new String[] {":96.0", "unix:96", ":096", "unix:0096.1"}) {
      assertNull(prompt.unlockFor(caller, cancelling, place(same), "d"), same + " raised another prompt");
    }
    askOn(caller, cancelling, ":97");
    assertEquals(2, AssuanScript.asked(dir), "another display is asked");
  }

  private static Pinentry.Place place(String display) {
    return new Pinentry.Place(null, new DisplaySession(display, null, null, "x11", null), null);
  }

  private void askOn(Caller caller, Pinentry pinentry, String display) throws Exception {
    CompletableFuture<Void> asked = prompt.unlockFor(caller, pinentry, place(display), "d");
    assertNotNull(asked, "a prompt on " + display);
    asked.get(30, TimeUnit.SECONDS);
  }

  private void ask(Caller caller, Pinentry pinentry) throws Exception {
    CompletableFuture<Void> asked = prompt.unlockFor(caller, pinentry, caller.terminal(), "d");
    assertNotNull(asked, "a prompt on " + caller.terminal());
    asked.get(30, TimeUnit.SECONDS);
  }
}
