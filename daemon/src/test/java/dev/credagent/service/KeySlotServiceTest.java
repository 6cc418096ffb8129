package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.WrongPassphraseException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyslot add} needs the vault's passphrase, as {@code keyslot remove} and {@code passwd}
 * do: a key slot outlives a passwd, so a moment's hold of the unlocked socket (a stolen session, a
 * process that outlived a passwd) must not plant a lasting way in.
 */
class KeySlotServiceTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private Vault vault;
  private final List<Duration> waits = new ArrayList<>();
  private final UnlockThrottle throttle = new UnlockThrottle(waits::add);
  private KeySlotService keySlots;

  @BeforeEach
  void setUp() throws Exception {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    vault.unlock(TestKdf.secret("pw"));
    TestClock clock = new TestClock();
    AuditTrail trail = new AuditTrail(AuditLog.NONE, clock);
    keySlots = new KeySlotService(vault, Runnable::run, throttle, new RequestGate(trail, () -> { }), trail);
  }

  @Test
  void addingASlotWithoutThePassphraseIsRefusedAndAddsNothing() throws Exception {
    Secret login = TestKdf.secret("login pw");
    CompletionException refused = assertThrows(CompletionException.class,
        () -> keySlots.add(ME, "login", login, null).join());
    InvalidRequestException said = assertInstanceOf(InvalidRequestException.class, Async.cause(refused));
    assertTrue(said.getMessage().contains("passphrase"), said.getMessage());
    assertTrue(login.isDestroyed(), "the login password is wiped all the same");
    assertEquals(1, vault.keySlots().size(), "no slot was added");
  }

  @Test
  void aWrongPassphraseOrTheLoginPasswordIsThrottledAsAWrongUnlockAndAddsNothing() throws Exception {
    keySlots.add(ME, "login", TestKdf.secret("login pw"), TestKdf.secret("pw")).join();
    assertEquals(2, vault.keySlots().size());
    for (String wrong : new String[] {"guess", "login pw"}) {
      Secret passphrase = TestKdf.secret(wrong);
      Secret recovery = TestKdf.secret("unused");
      CompletionException refused = assertThrows(CompletionException.class,
          () -> keySlots.add(ME, "recovery", recovery, passphrase).join(), wrong);
      assertInstanceOf(WrongPassphraseException.class, Async.cause(refused), wrong);
      assertTrue(passphrase.isDestroyed() && recovery.isDestroyed(), "both secrets are wiped");
    }
    assertEquals(2, vault.keySlots().size(), "no recovery slot was added");
    // Two wrong guesses counted: the next one waits as the third wrong unlock would.
    assertEquals(Duration.ofMillis(300), throttle.failed());
  }

  /**
   * The protocol adds a login or a recovery slot, nothing else: "passphrase" planted a second
   * passphrase slot that a later passwd leaves working, and "Recovery" (any other spelling) a
   * "recovery key" the client chose, one letter long if it liked, in place of the random one.
   */
  @Test
  void onlyTheLoginAndRecoveryKindsAreAddedNeitherAPassphraseNorAChosenRecoveryKey() throws Exception {
    for (String kind : new String[] {"passphrase", "Recovery", "RECOVERY", "Login", "bogus"}) {
      Secret chosen = TestKdf.secret("x");
      Secret passphrase = TestKdf.secret("pw");
      CompletionException refused = assertThrows(CompletionException.class,
          () -> keySlots.add(ME, kind, chosen, passphrase).join(), kind);
      InvalidRequestException said = assertInstanceOf(InvalidRequestException.class, Async.cause(refused), kind);
      assertTrue(said.getMessage().contains("login") && said.getMessage().contains("recovery"), said.getMessage());
      assertTrue(chosen.isDestroyed() && passphrase.isDestroyed(), "both secrets are wiped: " + kind);
    }
    assertEquals(1, vault.keySlots().size(), "no slot was added");
    assertEquals(Duration.ofMillis(100), throttle.failed(), "no guess was counted: the kind is said first");
  }

  @Test
  void theRightPassphraseAddsTheSlotAndIsWiped() throws Exception {
    Secret passphrase = TestKdf.secret("pw");
    try (Secret key = keySlots.add(ME, "recovery", null, passphrase).join().recoveryKey()) {
      assertTrue(key.length() > 0);
    }
    assertTrue(passphrase.isDestroyed());
    assertEquals(2, vault.keySlots().size());
  }

  /**
   * A wrong guess through passwd, keyslot add or keyslot remove was in audit.log only, while a
   * wrong unlock also wrote "wrong passphrase (N in a row, caller); answering in X ms" in the
   * daemon log: a guesser at the key-slot doors left no trace where the owner looks. Each door's
   * guess is a warning there now, naming the caller and the wait, never the guess.
   */
  @Test
  void everyDoorsWrongGuessIsAWarningInTheDaemonLogThatNamesNoSecret() throws Exception {
    keySlots.add(ME, "recovery", null, TestKdf.secret("pw")).join().close();
    List<LogRecord> said = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        said.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger service = Logger.getLogger("dev.credagent.service"); // the daemon log's handler is the root's
    service.addHandler(capture);
    try {
      assertThrows(CompletionException.class,
          () -> keySlots.passwd(ME, "passphrase", false, TestKdf.secret("guess-1"), TestKdf.secret("new")).join());
      assertThrows(CompletionException.class,
          () -> keySlots.add(ME, "login", TestKdf.secret("login"), TestKdf.secret("guess-2")).join());
      assertThrows(CompletionException.class, () -> keySlots.remove(ME, 1, TestKdf.secret("guess-3")).join());
    } finally {
      service.removeHandler(capture);
    }
    List<String> warnings = said.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
    assertEquals(3, warnings.size(), warnings.toString());
    for (int i = 0; i < 3; i++) {
      String line = warnings.get(i);
      assertTrue(line.startsWith("wrong passphrase (") && line.contains((i + 1) + " in a row") && line.contains(ME.toString())
          && line.endsWith("answering in " + (i + 1) * 100 + " ms"), line);
      assertFalse(line.contains("guess"), line);
    }
    assertTrue(warnings.get(0).contains("passwd") && warnings.get(1).contains("keyslot add")
        && warnings.get(2).contains("keyslot remove"), "each line names its door: " + warnings);
  }

  /**
   * An empty passphrase is no guess (no slot opens with one: unlock and passwd refuse to set it):
   * keyslot remove and passwd answered it as a wrong one, throttled and counted, while keyslot
   * add answered bad_request at once. All three now refuse it as a bad request, count nothing and
   * leave the slots as they were.
   */
  @Test
  void anEmptyPassphraseIsABadRequestAtEveryDoorAndCountsNoGuess() throws Exception {
    keySlots.add(ME, "recovery", null, TestKdf.secret("pw")).join().close();
    Secret removing = TestKdf.secret("");
    CompletionException remove = assertThrows(CompletionException.class, () -> keySlots.remove(ME, 1, removing).join());
    assertInstanceOf(InvalidRequestException.class, Async.cause(remove));
    assertTrue(removing.isDestroyed(), "wiped all the same");
    for (String slot : new String[] {"passphrase", "login"}) {
      Secret old = TestKdf.secret("");
      Secret replacement = TestKdf.secret("new");
      CompletionException passwd = assertThrows(CompletionException.class,
          () -> keySlots.passwd(ME, slot, false, old, replacement).join(), slot);
      assertInstanceOf(InvalidRequestException.class, Async.cause(passwd), slot);
      assertTrue(old.isDestroyed() && replacement.isDestroyed(), "both wiped: " + slot);
    }
    assertEquals(0, throttle.failures(), "no guess was counted");
    assertEquals(List.of(), waits, "and none waited for");
    assertEquals(2, vault.keySlots().size(), "the recovery slot is still there");
  }
}
