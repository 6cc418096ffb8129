package dev.credagent.service;

import dev.credagent.audit.CallerProcess;
import dev.credagent.caller.Caller;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import dev.credagent.prompt.DisplaySession;
import dev.credagent.prompt.Pinentry;
import java.nio.file.Path;
import dev.credagent.vault.Secret;
import dev.credagent.vault.WrongPassphraseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Asks for the passphrase when a locked vault is asked for a credential from a terminal, as
 * gpg-agent asks through pinentry: one prompt at a time, whoever else asks meanwhile waits for it
 * (bounded) and is answered after it; three wrong passphrases, a cancel or no answer within
 * {@link Pinentry#ANSWER_WITHIN} end it, and the vault stays locked.
 *
 * <p>A terminal where the prompt was cancelled, went unanswered or could not be shown is not asked
 * again for {@link #QUIET_AFTER_NO_ANSWER}: its requests meanwhile answer {@code locked} at once.
 * Five gets in a row from one terminal (a pull of five images) raised five prompts, one after
 * another, each waiting its minute for a person who had already said no or gone.
 */
final class PassphrasePrompt {
  private static final Logger LOG = Logger.getLogger(PassphrasePrompt.class.getName());
  private static final int TRIES = 3;
  /** Longer than one question may stay open, times the tries: a waiter never outwaits the prompt. */
  private static final Duration WAIT = Pinentry.ANSWER_WITHIN.multipliedBy(TRIES).plusSeconds(5);
  /** How long a terminal that gave no passphrase is left alone. */
  static final Duration QUIET_AFTER_NO_ANSWER = Duration.ofMinutes(2);
  /** Terminals remembered as quiet at most: each is a few bytes, but the map has a bound. */
  static final int MAX_QUIET_TERMINALS = 256;

  private final BiFunction<Caller, Secret, CompletableFuture<?>> unlock;
  private final Settings config;
  private final AuditTrail trail;
  private final Clock clock;
  /** Terminal or display (its {@link Pinentry.Place#key}) -> the instant it may be asked again; oldest first. */
  private final Map<String, Instant> quietUntil = new LinkedHashMap<>();
  private CompletableFuture<Void> inFlight;

  /** {@code unlock}: the service's own unlock, which takes ownership of the secret. */
  PassphrasePrompt(BiFunction<Caller, Secret, CompletableFuture<?>> unlock, Settings config, AuditTrail trail, Clock clock) {
    this.unlock = unlock;
    this.config = config;
    this.trail = trail;
    this.clock = clock;
  }

  /**
   * The prompt for {@code caller} where the config allows one, a share is not asking, and the
   * place is the caller's own: on its terminal where that is its own, else on its display (a
   * graphical pinentry) where it named one that passes {@link DisplaySession#whyNot}. Completes
   * when it has ended (see {@link #unlockFor}); null where none is made.
   */
  CompletableFuture<Void> askFor(Caller caller, String wanted) {
    if (caller.share() != null) {
      return null; // never through a share: its far side's display or terminal is not the user's here
    }
    String tty = caller.terminal() != null && Pinentry.usableTerminal(caller.terminal(), caller.uid()) ? caller.terminal() : null;
    Optional<Choice> choice;
    try {
      choice = choose(tty, () -> checkedDisplay(caller), config.current().pinentry(), System.getenv("PATH"));
    } catch (ConfigException unusable) {
      return null;
    }
    if (choice.isEmpty()) {
      return null;
    }
    CallerProcess who = trail.who(caller);
    String program = who.program().substring(who.program().lastIndexOf('/') + 1);
    return unlockFor(caller, choice.get().pinentry(), new Pinentry.Place(tty, choice.get().display(), caller.gone()),
        program + " (pid " + who.programPid() + ") wants " + wanted);
  }

  /** The caller's display where it passes {@link DisplaySession#whyNot}; NONE (and a bounded warning) where not. */
  private static DisplaySession checkedDisplay(Caller caller) {
    DisplaySession display = caller.display();
    if (!display.isEmpty()) {
      String whyNot = display.whyNot(caller.uid(), runtimeDirectory(), Path.of(System.getProperty("user.home")));
      if (whyNot != null) {
        // Bounded as every warning about a client's input: a looping client with a display not its own.
        String said = dev.credagent.audit.ClientWarnings.SHARED.next("no passphrase prompt on the requester's display: " + whyNot);
        if (said != null) {
          LOG.warning(said);
        }
        display = DisplaySession.NONE;
      }
    }
    return display;
  }

  /** Which pinentry asks, and on which display ({@link DisplaySession#NONE}: on the terminal). */
  record Choice(Pinentry pinentry, DisplaySession display) {}

  /**
   * The requester's own terminal ({@code tty}, checked) where it has one and a terminal pinentry
   * is there; else its display ({@code display}, checked; NONE for none) with a graphical one.
   * The terminal first: a DISPLAY left over in tmux or screen may name a display that is now
   * someone else's session, while the terminal is where the person who asked is.
   */
  static Optional<Choice> choose(String tty, java.util.function.Supplier<DisplaySession> checkedDisplay, String setting, String path) {
    if (tty != null) {
      Optional<Pinentry> terminal = Pinentry.of(setting, path, false);
      if (terminal.isPresent()) {
        return Optional.of(new Choice(terminal.get(), DisplaySession.NONE));
      }
    }
    DisplaySession display = checkedDisplay.get(); // checked only when asked on: no stale DISPLAY is probed
    if (!display.isEmpty()) {
      Optional<Pinentry> graphical = Pinentry.of(setting, path, true);
      if (graphical.isPresent()) {
        return Optional.of(new Choice(graphical.get(), display));
      }
    }
    return Optional.empty();
  }

  /** The user's XDG_RUNTIME_DIR (a Wayland display's name is a socket there), as the daemon's own. */
  private static Path runtimeDirectory() {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    return runtime == null || runtime.isEmpty() ? null : Path.of(runtime);
  }

  /** As {@link #unlockFor(Caller, Pinentry, Pinentry.Place, String)} on a terminal alone. */
  CompletableFuture<Void> unlockFor(Caller caller, Pinentry pinentry, String tty, String description) {
    return unlockFor(caller, pinentry, new Pinentry.Place(tty, DisplaySession.NONE, caller.gone()), description);
  }

  /**
   * Completes when the prompt at {@code place} (or the one already open) has ended, unlocked or
   * not; never fails. Null, and no prompt, while {@code place} is quiet after a prompt that got no
   * answer. When the requester of the open prompt goes away (its connection closed) the prompt
   * ends at once and its place is not made quiet: the next request from there is asked again.
   */
  synchronized CompletableFuture<Void> unlockFor(Caller caller, Pinentry pinentry, Pinentry.Place place, String description) {
    if (inFlight == null || inFlight.isDone()) {
      String where = place.key(runtimeDirectory());
      if (quiet(where)) {
        return null;
      }
      CompletableFuture<Void> prompt = new CompletableFuture<>();
      inFlight = prompt;
      Thread.ofVirtual().name("credagent-pinentry").start(() -> {
        try {
          ask(caller, pinentry, place, description);
        } catch (Exception e) {
          LOG.warning("the passphrase prompt on " + place.name() + " failed: " + e.getMessage());
          leaveQuiet(where);
        } finally {
          prompt.complete(null);
        }
      });
    }
    return inFlight.copy().completeOnTimeout(null, WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Whether {@code tty} is in its quiet time; forgets the terminals whose time is over. */
  private boolean quiet(String tty) {
    Instant now = clock.instant();
    quietUntil.values().removeIf(until -> !now.isBefore(until));
    return quietUntil.containsKey(tty);
  }

  private synchronized void leaveQuiet(String tty) {
    quietUntil.remove(tty); // re-inserted last: the map's order stays the order of expiry
    if (quietUntil.size() >= MAX_QUIET_TERMINALS) {
      quietUntil.remove(quietUntil.keySet().iterator().next());
    }
    quietUntil.put(tty, clock.instant().plus(QUIET_AFTER_NO_ANSWER));
    LOG.info("the passphrase prompt on " + tty + " got no passphrase: it is not asked there again for "
        + QUIET_AFTER_NO_ANSWER.toSeconds() + " s");
  }

  private void ask(Caller caller, Pinentry pinentry, Pinentry.Place place, String description) throws Exception {
    String error = null;
    for (int attempt = 0; attempt < TRIES; attempt++) {
      Secret passphrase = pinentry.ask(place, description, "Passphrase for credagent:", error);
      if (passphrase == null) {
        if (place.gone() != null && place.gone().toCompletableFuture().isDone()) {
          LOG.info("the passphrase prompt on " + place.name() + " ended: its requester went away");
          return;
        }
        LOG.info("the passphrase prompt on " + place.name() + " was cancelled or not answered in time");
        leaveQuiet(place.key(runtimeDirectory()));
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
