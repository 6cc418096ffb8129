package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import dev.credagent.transport.CommandRelay;
import java.io.Console;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "keyslot", mixinStandardHelpOptions = true,
    header = "Lists, adds and removes the ways into the vault: passphrase, login password, recovery key.",
    description = {
      "The vault's key is wrapped once per key slot, as LUKS does: the passphrase's, the login password's",
      "(which PAM unlocks with at login), and recovery keys (random, printed once)."
    },
    subcommands = {KeyslotCommand.ListSlots.class, KeyslotCommand.Add.class, KeyslotCommand.Remove.class})
final class KeyslotCommand implements Runnable, Relayable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, header = "Lists the key slots.")
  static final class ListSlots implements Callable<Integer>, Relayable {
    private final Session session;

    ListSlots(Session session) {
      this.session = session;
    }

    @Override
    public Integer call() throws Exception {
      session.out().printf("%-5s  %-10s  %s%n", "SLOT", "KIND", "WHERE");
      for (JsonNode slot : session.call(ClientRequest.op(Op.KEYSLOT_LIST)).path("slots")) {
        String index = slot.path("index").asText();
        session.out().printf("%-5s  %-10s  %s%n", index.equals("-1") ? "-" : index, slot.path("kind").asText(),
            slot.path("where").asText());
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true, header = "Adds a login password's or a recovery key's slot.",
      description = {
        "The vault must be unlocked, and the vault's passphrase is asked first, as keyslot remove and passwd ask it:",
        "a slot outlives a passphrase change. A recovery key is printed once: write it down, it is not kept anywhere else."
      })
  static final class Add implements Callable<Integer>, Relayable {
    private final Session session;

    Add(Session session) {
      this.session = session;
    }

    @ArgGroup(multiplicity = "1")
    Kind kind;

    static final class Kind {
      @Option(names = "--login", description = "The login password's slot: the password is asked twice on the terminal, with echo off.")
      boolean login;

      @Option(names = "--recovery", description = "A recovery key's slot: credagent makes the key and prints it once.")
      boolean recovery;
    }

    @Option(names = "--passphrase-stdin", description = "Read the vault's passphrase from standard input, one line; with --login, the login password on the next line.")
    boolean fromStdin;

    @Override
    public Integer call() throws Exception {
      ClientRequest request = ClientRequest.op(Op.KEYSLOT_ADD).with("kind", kind.login ? "login" : "recovery");
      char[] passphrase;
      if (fromStdin) {
        passphrase = StdinSecret.readLine(session.in());
        if (kind.login) {
          request.withSecret("secret", pipedLoginPassword(passphrase));
        }
      } else {
        Console console = session.terminal().orElseThrow(() -> new CliException(ExitCode.ERROR,
            "no terminal to ask for the passphrase; pipe it in with `credagent keyslot add --passphrase-stdin`"
                + " (with --login, the login password on the next line)"));
        passphrase = UnlockCommand.read(console, "Passphrase: ");
        if (kind.login) {
          // Checked now: a wrong one was said only after the login password had been typed twice.
          CurrentPassphraseCheck.before(session, "passphrase", passphrase);
          try {
            request.withSecret("secret", loginPassword(console));
          } catch (CliException refused) {
            java.util.Arrays.fill(passphrase, '\0');
            throw refused;
          }
        }
      }
      JsonNode answer = session.call(request.withSecret("passphrase", passphrase));
      if (kind.recovery) {
        session.out().println("recovery key (printed this once; it opens the vault as the passphrase does):");
        session.out().println("  " + answer.path("recovery_key").asText());
        session.out().flush();
        if (session.out().checkError()) { // a PrintStream says nothing of a failed write: the key went nowhere
          throw new CliException(ExitCode.ERROR, "the recovery key could not be written to standard output, so nobody"
              + " has it: remove its slot (the last recovery slot credagent keyslot list shows) and add another");
        }
      } else {
        session.out().println("added a login password slot: PAM can now unlock the vault at login");
      }
      return ExitCode.OK;
    }

    /** The line after the passphrase: a missing one is said here, before anything is sent. */
    private char[] pipedLoginPassword(char[] passphrase) throws Exception {
      char[] password = StdinSecret.readLine(session.in());
      if (password.length == 0) {
        java.util.Arrays.fill(passphrase, '\0');
        throw new CliException(ExitCode.ERROR, "pipe the vault's passphrase and the login password in, a line each:"
            + " printf '%s\\n%s\\n' \"$PASSPHRASE\" \"$PASSWORD\" | credagent keyslot add --login --passphrase-stdin");
      }
      return password;
    }

    /**
     * On a terminal, asked with echo off, twice, as passwd asks a new passphrase: before, the
     * password was read as a line of standard input, echoed as it was typed, with no prompt
     * (issue 30, item 4).
     */
    private char[] loginPassword(Console terminal) throws Exception {
      char[] password = UnlockCommand.read(terminal, "Login password: ");
      if (password.length == 0) { // said now, not after it was typed twice
        throw new CliException(ExitCode.ERROR, "the login password must not be empty; no key slot was added");
      }
      char[] again = UnlockCommand.read(terminal, "Repeat the login password: ");
      byte[] first = utf8(password);
      byte[] second = utf8(again);
      boolean same = java.security.MessageDigest.isEqual(first, second); // constant time
      java.util.Arrays.fill(again, '\0');
      java.util.Arrays.fill(first, (byte) 0);
      java.util.Arrays.fill(second, (byte) 0);
      if (!same) {
        java.util.Arrays.fill(password, '\0');
        throw new CliException(ExitCode.ERROR, "the two login passwords differ; no key slot was added");
      }
      return password;
    }

    /** UTF-8 bytes for a constant-time comparison; the caller's arrays stay its own to wipe. */
    private static byte[] utf8(char[] chars) {
      java.nio.ByteBuffer bytes = java.nio.charset.StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
      byte[] out = new byte[bytes.remaining()];
      bytes.get(out);
      java.util.Arrays.fill(bytes.array(), (byte) 0);
      return out;
    }

    @Override
    public CommandRelay.Input relayInput() {
      // Asked on the terminal: by the JVM CLI, with echo off. Piped: the passphrase's line, and the login password's.
      if (!fromStdin) {
        return CommandRelay.Input.HAND_BACK;
      }
      return kind != null && kind.login ? CommandRelay.Input.ALL : CommandRelay.Input.LINE;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, header = "Removes key slot SLOT (never the last passphrase).",
      description = "The vault must be unlocked; asks the vault's passphrase on the terminal, as passwd does.")
  static final class Remove implements Callable<Integer>, Relayable {
    private final Session session;

    Remove(Session session) {
      this.session = session;
    }

    @Parameters(index = "0", paramLabel = "SLOT")
    int index;

    @Option(names = "--passphrase-stdin", description = "Read the vault's passphrase from standard input, one line.")
    boolean fromStdin;

    @Override
    public Integer call() throws Exception {
      char[] passphrase;
      if (fromStdin) {
        passphrase = StdinSecret.readLine(session.in());
      } else {
        Console console = session.terminal().orElseThrow(() -> new CliException(ExitCode.ERROR,
            "no terminal to ask for the passphrase; pipe it in with `credagent keyslot remove --passphrase-stdin SLOT`"));
        passphrase = UnlockCommand.read(console, "Passphrase: ");
      }
      session.call(ClientRequest.op(Op.KEYSLOT_REMOVE).with("index", String.valueOf(index)).withSecret("passphrase", passphrase));
      session.out().println("removed key slot " + index);
      return ExitCode.OK;
    }

    @Override
    public CommandRelay.Input relayInput() {
      return fromStdin ? CommandRelay.Input.LINE : CommandRelay.Input.HAND_BACK;
    }
  }
}
