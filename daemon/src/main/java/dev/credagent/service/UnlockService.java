package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.config.Settings;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import dev.credagent.vault.WrongPassphraseException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * The way into the vault and out: {@code unlock} on a thread of its own (Argon2, and the growing
 * delay after a wrong passphrase, which the key slots' changes share), the TTLs an unlock sets,
 * the passphrase asked of a requester's terminal or display, and {@code lock}.
 */
public final class UnlockService {
  private static final Logger LOG = Logger.getLogger(CredentialService.class.getName());

  private final Vault vault;
  private final Executor unlocks;
  private final Settings config;
  private final AuditTrail trail;
  private final RequestGate gate;
  private final LockState locks;
  private final Profiles profiles;
  private final UnlockThrottle throttle;
  private final PassphrasePrompt prompt;

  /**
   * @param unlocks one thread: key derivations and the throttle's delay
   * @param config the settings, read again at each unlock (a file a user edits)
   * @param throttle the delay after a wrong secret, shared with the key slots' doors
   */
  UnlockService(Vault vault, Executor unlocks, Settings config, AuditTrail trail, RequestGate gate, LockState locks,
      Profiles profiles, Clock clock, UnlockThrottle throttle) {
    this.vault = vault;
    this.unlocks = unlocks;
    this.config = config;
    this.trail = trail;
    this.gate = gate;
    this.locks = locks;
    this.profiles = profiles;
    this.throttle = throttle;
    this.prompt = new PassphrasePrompt((caller, passphrase) -> unlock(caller, passphrase, CredentialService.Ttl.CONFIGURED, null),
        config, trail, clock);
  }

  /** The growing delay after a wrong secret: one for every door that checks the passphrase. */
  UnlockThrottle throttle() {
    return throttle;
  }

  /** A locked vault's passphrase, asked where the requester sits (pinentry). */
  PassphrasePrompt prompt() {
    return prompt;
  }

  /**
   * Opens (or creates) the vault; takes ownership of {@code passphrase}. Only through the key
   * slots of {@code only} ("login": PAM at login) where it is not null; then no vault is ever
   * created. A lock that comes after this call wins over it, however long the unlock waits for
   * its turn.
   */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase, CredentialService.Ttl ttl, String only) {
    return unlock(caller, passphrase, ttl, only, false);
  }

  /**
   * The same; with {@code checkOnly}, a locked vault is answered {@link VaultLockedException} and
   * stays locked, and an unlocked one has the secret checked against it ({@code ALREADY}, or a
   * throttled wrong guess). What passwd and keyslot add --login check the typed secret with
   * before asking for more: their status, then an unlock, opened a vault that locked between the
   * two.
   */
  public CompletableFuture<Vault.Unlocked> unlock(Caller caller, Secret passphrase, CredentialService.Ttl ttl, String only,
      boolean checkOnly) {
    CompletableFuture<Vault.Unlocked> refused = gate.refusal(caller, Op.UNLOCK, null, passphrase);
    if (refused != null) {
      return refused;
    }
    long locksSeen = vault.lockCount();
    return trail.audited(caller, "unlock", null, Async.on(unlocks, () -> {
      try (passphrase) {
        // Locked now stays locked: a lock after this (locksSeen) wins over the check's unlock anyway.
        if (checkOnly && !vault.isUnlocked()) {
          throw new VaultLockedException("the vault is locked: a check of its passphrase opens nothing; unlock it first");
        }
        // First: a file that cannot be used refuses the unlock, before any key is derived or installed.
        AgentConfig settings = config.current();
        Vault.Unlocked outcome = Async.deriving(() -> open(passphrase, locksSeen, only));
        throttle.succeeded();
        trail.unlocked();
        profiles.changed(null); // here, not on the event loop at the first lookup
        // An unlock of an open vault that names no TTL (passwd's check of the current passphrase,
        // a second `unlock`) keeps the deadlines it had: it put the config's 8 h in place of the
        // 2 minutes an `unlock --ttl 2m` had chosen.
        if (outcome != Vault.Unlocked.ALREADY || ttl.idle() != null || ttl.max() != null) {
          locks.unlocked(ttl.idle() != null ? ttl.idle() : settings.idleTtl(),
              ttl.max() != null ? ttl.max() : settings.maxTtl());
        }
        LOG.info(switch (outcome) {
          case CREATED -> "created a new vault at " + vault.file() + " and unlocked it (" + caller + ")";
          case OPENED -> "vault unlocked (" + caller + ")";
          case ALREADY -> "unlock asked of an unlocked vault; passphrase matched (" + caller + ")";
        });
        return outcome;
      } catch (WrongPassphraseException e) {
        throttle.penalize(caller, "unlock");
        throw e;
      }
    }));
  }

  /**
   * The vault opened with what was typed: as typed, or, where it reads as a recovery key in
   * another spelling (lower case, an indent, no dashes), as the key was printed. Something with a
   * key's shape that is no key, and that opens nothing as a passphrase either, is answered as a
   * mistyped key. A new vault takes its passphrase as typed.
   */
  private Vault.Unlocked open(Secret typed, long locksSeen, String only) throws Exception {
    RecoveryKey.Typed read = vault.exists() ? RecoveryKey.read(typed) : new RecoveryKey.Passphrase();
    if (read instanceof RecoveryKey.Key key) {
      try (Secret printed = key.printed()) {
        if (!printed.contentEquals(typed)) {
          try {
            return vault.unlock(printed, locksSeen, only);
          } catch (WrongPassphraseException notAKey) {
            // a passphrase of 40 letters and digits: tried as typed below
          }
        }
      }
    }
    try {
      return vault.unlock(typed, locksSeen, only);
    } catch (WrongPassphraseException wrong) {
      if (read instanceof RecoveryKey.Mistyped mistyped) {
        throw new WrongPassphraseException("wrong passphrase, and not a valid recovery key: " + mistyped.why()
            + " (any case, spaces and dashes are fine)");
      }
      throw wrong;
    }
  }

  /** Wipes the key and every secret at once, ahead of anything queued. */
  public void lock(Caller caller) {
    gate.check(caller, Op.LOCK);
    locks.lockNow("vault locked (" + caller + ")");
    if (!caller.equals(Caller.self())) {
      trail.record(caller, "lock", null, "ok");
    }
  }
}
