package dev.credagent.cli;

import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import dev.credagent.transport.CommandRelay;
import java.io.Console;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "passwd", mixinStandardHelpOptions = true,
    header = "Changes the vault's passphrase.",
    description = {
      "Changes the vault's passphrase: asks the current one and the new one (twice) on the terminal.",
      "Only the passphrase's key slot is rewrapped; no credential is re-encrypted, and a crash at any",
      "moment leaves the old passphrase or the new one working. With --login, the login password's slot.",
      "With --rekey (the vault unlocked), the vault gets a new key: every credential is sealed anew, and",
      "the new passphrase's slot is the only one left (add recovery and login slots again). For when an old",
      "passphrase, or a backup of vault.slots it opens, may have leaked: without --rekey they open the vault."
    })
final class PasswdCommand implements Callable<Integer>, Relayable {
  private final Session session;

  PasswdCommand(Session session) {
    this.session = session;
  }

  @Option(names = "--passphrase-stdin", description = "Read the current passphrase and the new one from standard input, a line each.")
  boolean fromStdin;

  @Option(names = "--login", description = "Change the login password's key slot (as PAM does at a password change).")
  boolean login;

  @Option(names = "--rekey", description = "Seal the vault under a new key; only the new passphrase opens it after.")
  boolean rekey;

  @Override
  public Integer call() throws Exception {
    char[] old;
    char[] replacement;
    if (fromStdin) {
      old = StdinSecret.readLine(session.in());
      replacement = StdinSecret.readLine(session.in());
    } else {
      Console console = session.terminal().orElseThrow(() -> new CliException(ExitCode.ERROR,
          "no terminal to ask for the passphrases; pipe them in with `credagent passwd --passphrase-stdin`"));
      old = read(console, login ? "Current login password: " : "Current passphrase: ");
      CurrentPassphraseCheck.before(session, login ? "login" : "passphrase", old);
      replacement = read(console, "New passphrase: ");
      if (replacement.length == 0) { // said now, not after it was typed twice
        Arrays.fill(old, '\0');
        throw new CliException(ExitCode.ERROR, "the new passphrase must not be empty");
      }
      char[] again = read(console, "Repeat the new passphrase: ");
      try {
        if (!Arrays.equals(replacement, again)) {
          Arrays.fill(old, '\0');
          Arrays.fill(replacement, '\0');
          throw new CliException(ExitCode.ERROR, "the two new passphrases differ; nothing was changed");
        }
      } finally {
        Arrays.fill(again, '\0');
      }
    }
    if (replacement.length == 0) {
      Arrays.fill(old, '\0');
      throw new CliException(ExitCode.ERROR, "the new passphrase must not be empty");
    }
    ClientRequest request = ClientRequest.op(Op.PASSWD).with("slot", login ? "login" : "passphrase");
    if (rekey) {
      request.with("reseal", "true");
    }
    session.call(request.withSecret("passphrase", old).withSecret("new_passphrase", replacement));
    session.out().println(login ? "the login password's key slot now opens with the new password"
        : rekey ? "passphrase changed, and the vault sealed under a new key: add recovery and login slots again"
        : "passphrase changed");
    return ExitCode.OK;
  }

  @Override
  public CommandRelay.Input relayInput() {
    return fromStdin ? CommandRelay.Input.ALL : CommandRelay.Input.HAND_BACK;
  }

  private static char[] read(Console console, String prompt) throws CliException {
    return UnlockCommand.read(console, prompt);
  }
}
