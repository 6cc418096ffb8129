package dev.credagent.service;

import dev.credagent.audit.CallerProcess;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import java.util.Optional;

import dev.credagent.prompt.Pinentry;
import dev.credagent.vault.Secret;
import dev.credagent.vault.WrongPassphraseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Asks for the passphrase when a locked vault is asked for a credential from a terminal, as
 * gpg-agent asks through pinentry: one prompt at a time, whoever else asks meanwhile waits for it
 * (bounded) and is answered after it; three wrong passphrases, a cancel or no answer within
 * {@link Pinentry#ANSWER_WITHIN} end it, and the vault stays locked.
 */
final class PassphrasePrompt {
  private static final Logger LOG = Logger.getLogger(PassphrasePrompt.class.getName());
  private static final int TRIES = 3;
  /** Longer than one question may stay open, times the tries: a waiter never outwaits the prompt. */
  private static final Duration WAIT = Pinentry.ANSWER_WITHIN.multipliedBy(TRIES).plusSeconds(5);

  private final BiFunction<Caller, Secret, CompletableFuture<?>> unlock;
  private final Settings config;
  private final AuditTrail trail;
  private CompletableFuture<Void> inFlight;

  /** {@code unlock}: the service's own unlock, which takes ownership of the secret. */
  PassphrasePrompt(BiFunction<Caller, Secret, CompletableFuture<?>> unlock, Settings config, AuditTrail trail) {
    this.unlock = unlock;
    this.config = config;
    this.trail = trail;
  }

  /**
   * The prompt for {@code caller} on its terminal, where the config allows one, a share is not
   * asking, and the terminal is the caller's own: completes when it has ended (see {@link
   * #unlockFor}); null where none is made.
   */
  CompletableFuture<Void> askFor(Caller caller, String wanted) {
    if (caller.share() != null || !Pinentry.usableTerminal(caller.terminal(), caller.uid())) {
      return null;
    }
    Optional<Pinentry> pinentry;
    try {
      pinentry = Pinentry.of(config.current().pinentry(), System.getenv("PATH"));
    } catch (ConfigException unusable) {
      return null;
    }
    if (pinentry.isEmpty()) {
      return null;
    }
    CallerProcess who = trail.who(caller);
    String program = who.program().substring(who.program().lastIndexOf('/') + 1);
    return unlockFor(caller, pinentry.get(), caller.terminal(), program + " (pid " + who.programPid() + ") wants " + wanted);
  }

  /**
   * Completes when the prompt on {@code tty} (or the one already open) has ended, unlocked or not;
   * never fails.
   */
  synchronized CompletableFuture<Void> unlockFor(Caller caller, Pinentry pinentry, String tty, String description) {
    if (inFlight == null || inFlight.isDone()) {
      CompletableFuture<Void> prompt = new CompletableFuture<>();
      inFlight = prompt;
      Thread.ofVirtual().name("credagent-pinentry").start(() -> {
        try {
          ask(caller, pinentry, tty, description);
        } catch (Exception e) {
          LOG.warning("the passphrase prompt on " + tty + " failed: " + e.getMessage());
        } finally {
          prompt.complete(null);
        }
      });
    }
    return inFlight.copy().completeOnTimeout(null, WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
  }

  private void ask(Caller caller, Pinentry pinentry, String tty, String description) throws Exception {
    String error = null;
    for (int attempt = 0; attempt < TRIES; attempt++) {
      Secret passphrase = pinentry.ask(tty, description, "Passphrase for credagent:", error);
      if (passphrase == null) {
        LOG.info("the passphrase prompt on " + tty + " was cancelled");
        return;
      }
      try {
        unlock.apply(caller, passphrase).join();
        return;
      } catch (CompletionException failure) {
        if (!(Async.cause(failure) instanceof WrongPassphraseException)) {
          LOG.warning("the passphrase from the prompt did not unlock the vault: " + Async.cause(failure).getMessage());
          return;
        }
        error = "Wrong passphrase (" + (attempt + 1) + " of " + TRIES + ")";
      }
    }
  }
}
