package dev.credagent.service;

import dev.credagent.caller.Caller;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Secret;
import dev.credagent.vault.Vault;
import dev.credagent.vault.WrongPassphraseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

/**
 * The ways into the vault ({@code passwd}, {@code keyslot}): each runs on the unlock thread, since
 * each derives a key, and a wrong old secret costs the same growing delay as a wrong unlock.
 */
public final class KeySlotService {
  private static final Logger LOG = Logger.getLogger(KeySlotService.class.getName());

  private final Vault vault;
  private final Executor unlocks;
  private final UnlockThrottle throttle;
  private final RequestGate gate;
  private final AuditTrail trail;

  KeySlotService(Vault vault, Executor unlocks, UnlockThrottle throttle, RequestGate gate, AuditTrail trail) {
    this.vault = vault;
    this.unlocks = unlocks;
    this.throttle = throttle;
    this.gate = gate;
    this.trail = trail;
  }

  /**
   * Changes the secret of a key slot ({@code passphrase}, or {@code login} for PAM's chauthtok):
   * {@code old} must open it. Takes ownership of both secrets; re-encrypts no credential. With
   * {@code rekey} (the passphrase only, the vault unlocked): a new data key, every credential
   * sealed anew, and the new passphrase's slot the only one left.
   */
  public CompletableFuture<Void> passwd(Caller caller, String slot, boolean rekey, Secret old, Secret replacement) {
    CompletableFuture<Void> refused = gate.refusal(caller, Op.PASSWD, null, old, replacement);
    if (refused != null) {
      return refused;
    }
    if (replacement.isEmpty()) {
      return gate.invalid(caller, Op.PASSWD, null, new InvalidRequestException("the new passphrase must not be empty"),
          old, replacement);
    }
    if (old.isEmpty()) {
      // No slot opens with nothing (neither unlock nor passwd sets an empty secret): a slip, not a
      // guess, so said at once, as keyslot add says it, and not counted by the throttle.
      return gate.invalid(caller, Op.PASSWD, null, new InvalidRequestException("the current "
          + ("login".equals(slot) ? "login password" : "passphrase") + " must not be empty"), old, replacement);
    }
    if (rekey && !"passphrase".equals(slot)) {
      return gate.invalid(caller, Op.PASSWD, null, new InvalidRequestException("--rekey changes the passphrase, not the "
          + slot + " slot, which it removes: add that slot again after it"), old, replacement);
    }
    return trail.audited(caller, rekey ? "rekey" : "passwd", null, Async.on(unlocks, () -> {
      try (old; replacement) {
        Async.deriving(() -> {
          if (rekey) {
            vault.rekey(old, replacement);
          } else {
            rewrap(slot, old, replacement);
          }
          return null;
        });
        LOG.info(rekey ? "the vault was sealed under a new key (" + caller + ")"
            : "the " + slot + " key slot was rewrapped (" + caller + ")");
        return null;
      } catch (IllegalArgumentException badKind) {
        throw new InvalidRequestException(badKind.getMessage());
      } catch (WrongPassphraseException e) {
        throttle.penalize(caller, rekey ? "rekey" : "passwd"); // guesses cost the same through every door
        throw e;
      }
    }));
  }

  /**
   * The slot's secret changed with {@code old} as typed, or, for the passphrase, with a recovery
   * key in any spelling ({@link RecoveryKey#read}): "I forgot my passphrase; I have the key".
   */
  private void rewrap(String slot, Secret old, Secret replacement) throws Exception {
    try {
      vault.rewrap(slot, old, replacement);
    } catch (WrongPassphraseException wrong) {
      if (!"passphrase".equals(slot) || !(RecoveryKey.read(old) instanceof RecoveryKey.Key key)) {
        throw wrong;
      }
      try (Secret printed = key.printed()) {
        if (printed.contentEquals(old)) {
          throw wrong; // tried as typed already
        }
        vault.rewrap(slot, printed, replacement);
      }
    }
  }

  /** The ways into the vault: its key slots, and the vault header's passphrase while no passphrase slot exists. */
  public CompletableFuture<List<Vault.SlotInfo>> list(Caller caller) {
    CompletableFuture<List<Vault.SlotInfo>> refused = gate.refusal(caller, Op.KEYSLOT_LIST, null);
    return refused != null ? refused : Async.on(unlocks, vault::keySlots);
  }

  /**
   * Adds a key slot to the unlocked vault: {@code login} opened by {@code secret} (the login
   * password, for PAM), or {@code recovery}, whose random key this makes and returns once (the
   * caller wipes it; {@code secret} is then null). As {@link #remove} does, it needs {@code
   * passphrase}, the vault's passphrase (a slot outlives a passwd: whoever briefly holds the
   * unlocked socket must not plant a lasting way in); a wrong one is throttled as a wrong unlock
   * is. Takes ownership of both secrets.
   */
  public CompletableFuture<Added> add(Caller caller, String kind, Secret secret, Secret passphrase) {
    return gate.run(caller, Op.KEYSLOT_ADD, "keyslot_add", null, unlocks, () -> {
      Secret opens = null;
      try {
        if (!"login".equals(kind) && !"recovery".equals(kind)) {
          // The vault takes a passphrase slot too, and any spelling; the protocol does not: a second
          // passphrase slot outlives a passwd, and a "Recovery" slot would open by a secret the client chose.
          throw new InvalidRequestException("a key slot added is a login password's (login) or a recovery key's"
              + " (recovery); change the passphrase with credagent passwd");
        }
        if (passphrase == null || passphrase.isEmpty()) {
          throw new InvalidRequestException("adding a key slot needs the vault's passphrase, as removing one does");
        }
        opens = "recovery".equals(kind) ? RecoveryKey.fresh() : secret;
        if (opens == null || opens.isEmpty()) {
          throw new InvalidRequestException("a " + kind + " key slot needs its secret");
        }
        Secret wrapped = opens;
        int index = Async.deriving(() -> vault.addKeySlot(kind, wrapped, passphrase));
        LOG.info("a " + kind + " key slot was added as slot " + index + " (" + caller + ")");
        return new Added(index, "recovery".equals(kind) ? opens.copy() : null);
      } catch (IllegalArgumentException badKind) {
        throw new InvalidRequestException(badKind.getMessage());
      } catch (WrongPassphraseException e) {
        throttle.penalize(caller, "keyslot add"); // guesses cost the same through every door
        throw e;
      } finally {
        if (opens != null) {
          opens.destroy();
        }
        if (secret != null) {
          secret.destroy();
        }
        if (passphrase != null) {
          passphrase.destroy();
        }
      }
    }, secret, passphrase);
  }

  /**
   * A slot added: its index, and for a recovery slot its key, made here and shown nowhere else
   * (the caller wipes it); null for a login slot.
   */
  public record Added(int slot, Secret recoveryKey) implements AutoCloseable {
    @Override
    public void close() {
      if (recoveryKey != null) {
        recoveryKey.destroy();
      }
    }
  }

  /**
   * The answer that carried the recovery key of slot {@code slot} never left: its client went
   * away first (a Ctrl-C while the key was derived). Nobody has that key, yet it opens the vault:
   * said in the daemon log and the audit log, with the remedy, since nothing else would tell.
   */
  public void undelivered(Caller caller, int slot) {
    LOG.warning("a recovery key slot was added but its answer was not delivered (" + caller + "); nobody has its key:"
        + " remove slot " + slot + " (credagent keyslot list, then credagent keyslot remove " + slot + ") and add another");
    trail.record(caller, "keyslot_add", null, "undelivered");
  }

  /**
   * Removes key slot {@code index} of the unlocked vault, once {@code passphrase} (which this
   * takes ownership of) proves to be the vault's passphrase; a wrong one is throttled as a wrong
   * unlock is.
   */
  public CompletableFuture<Void> remove(Caller caller, int index, Secret passphrase) {
    CompletableFuture<Void> refused = gate.refusal(caller, Op.KEYSLOT_REMOVE, null, passphrase);
    if (refused != null) {
      return refused;
    }
    if (passphrase.isEmpty()) { // a slip, not a guess: said at once, as keyslot add says it, and not throttled
      return gate.invalid(caller, Op.KEYSLOT_REMOVE, null,
          new InvalidRequestException("removing a key slot needs the vault's passphrase, as adding one does"), passphrase);
    }
    return trail.audited(caller, "keyslot_remove", null, Async.on(unlocks, () -> {
      try (passphrase) {
        Async.deriving(() -> {
          vault.removeKeySlot(index, passphrase);
          return null;
        });
      } catch (IllegalArgumentException refusedThere) {
        throw new InvalidRequestException(refusedThere.getMessage());
      } catch (WrongPassphraseException e) {
        throttle.penalize(caller, "keyslot remove"); // guesses cost the same through every door
        throw e;
      }
      LOG.info("key slot " + index + " was removed (" + caller + ")");
      return null;
    }));
  }
}
