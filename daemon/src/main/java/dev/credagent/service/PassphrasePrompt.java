package dev.credagent.service;

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
  private CompletableFuture<Void> inFlight;

  /** {@code unlock}: the service's own unlock, which takes ownership of the secret. */
  PassphrasePrompt(BiFunction<Caller, Secret, CompletableFuture<?>> unlock) {
    this.unlock = unlock;
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
        if (!(CredentialService.cause(failure) instanceof WrongPassphraseException)) {
          LOG.warning("the passphrase from the prompt did not unlock the vault: " + CredentialService.cause(failure).getMessage());
          return;
        }
        error = "Wrong passphrase (" + (attempt + 1) + " of " + TRIES + ")";
      }
    }
  }
}
