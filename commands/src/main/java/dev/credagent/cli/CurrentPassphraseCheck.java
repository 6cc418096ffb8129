package dev.credagent.cli;

import dev.credagent.client.AgentErrorException;
import dev.credagent.client.ClientRequest;
import dev.credagent.failure.ErrorCode;
import dev.credagent.protocol.Op;
import java.util.Arrays;

/**
 * On a terminal, a command that needs the vault's current secret (passwd, keyslot add --login)
 * checks it right after it is typed, before it asks for more: a typo found only after the next
 * secret was typed twice cost both. Where the vault is unlocked, an unlock through that slot
 * checks it, as {@code credagent unlock} on an unlocked vault does (the daemon's ALREADY outcome),
 * throttled as any guess is. A locked vault is checked by the change itself, at the end, as
 * before: unlocking it here would leave it open as a side effect.
 */
final class CurrentPassphraseCheck {
  private CurrentPassphraseCheck() {}

  /**
   * Throws the daemon's refusal (a wrong secret: "wrong passphrase", exit 5) after wiping {@code
   * typed}; leaves {@code typed} as it was where it opens {@code slot} or the vault is locked.
   */
  static void before(Session session, String slot, char[] typed) throws Exception {
    if (session.call(ClientRequest.op(Op.STATUS)).path("locked").asBoolean(true)) {
      return;
    }
    try {
      // "check": an unlock that opens nothing, should the vault have locked since the status.
      session.call(ClientRequest.op(Op.UNLOCK).with("slot", slot).with("check", "true")
          .withSecret("passphrase", Arrays.copyOf(typed, typed.length)));
    } catch (AgentErrorException locked) {
      if (ErrorCode.fromWire(locked.code()) == ErrorCode.LOCKED) {
        return; // locked since the status: the change itself checks it, at the end, as for a locked vault
      }
      Arrays.fill(typed, '\0');
      throw locked;
    } catch (Exception wrong) {
      Arrays.fill(typed, '\0');
      throw wrong;
    }
  }
}
