package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.config.Durations;
import dev.credagent.protocol.Op;
import dev.credagent.transport.CommandRelay;
import java.io.Console;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "unlock", mixinStandardHelpOptions = true,
    description = {
      "Unlocks the vault with its passphrase, read from the terminal without echo.",
      "Where there is no vault yet, creates one with that passphrase (asked twice)."
    })
public final class UnlockCommand implements Callable<Integer>, Relayable {
  private final Session session;

  public UnlockCommand(Session session) {
    this.session = session;
  }

  @Option(names = "--passphrase-stdin", description = "Read the passphrase from standard input (its first line).")
  boolean fromStdin;

  @Option(names = "--login", description = "Open only through the login password's key slot (as PAM does at login); never create a vault.")
  boolean login;

  @Option(names = "--ttl", paramLabel = "DURATION",
      description = "Lock again this long after this unlock, however busy (30m, 8h, 0 for never); default: max-ttl in config.toml.")
  String ttl;

  @Option(names = "--idle-ttl", paramLabel = "DURATION",
      description = "Lock again after this long without a credential used (default: idle-ttl in config.toml).")
  String idleTtl;

  @Override
  public Integer call() throws Exception {
    ClientRequest request = ClientRequest.op(Op.UNLOCK);
    if (login) {
      request.with("slot", "login");
    }
    try {
      if (ttl != null) {
        request.with("ttl", Durations.format(Durations.parse(ttl, null)));
      }
      if (idleTtl != null) {
        request.with("idle_ttl", Durations.format(Durations.parse(idleTtl, null)));
      }
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new CliException(ExitCode.USAGE, "--ttl and --idle-ttl take a duration: 90s, 30m, 8h, 1d, or 0 for never");
    }
    char[] passphrase = fromStdin ? StdinSecret.readLine(session.in()) : ask();
    if (passphrase.length == 0) {
      throw new CliException(ExitCode.ERROR, "the passphrase must not be empty");
    }
    JsonNode reply = session.call(request.withSecret("passphrase", passphrase));
    if (reply.path("created").asBoolean()) {
      session.out().println("created a new vault in " + session.paths().home() + " and unlocked it");
    } else if (reply.path("alreadyUnlocked").asBoolean()) {
      session.out().println("the vault was already unlocked");
    } else {
      session.out().println("vault unlocked");
    }
    return ExitCode.OK;
  }

  private char[] ask() throws Exception {
    Console console = session.terminal().orElseThrow(() -> new CliException(ExitCode.ERROR,
        "no terminal to ask for the passphrase; pipe it in with `credagent unlock --passphrase-stdin`"));
    boolean exists = !"absent".equals(session.call(ClientRequest.op(Op.STATUS)).path("vault").asText());
    if (exists) {
      return read(console, "Passphrase for the credagent vault: ");
    }
    console.printf("No vault yet in %s: a new one will be created.%n", session.paths().home());
    char[] first = read(console, "New passphrase: ");
    char[] second = read(console, "Repeat the passphrase: ");
    try {
      if (!Arrays.equals(first, second)) {
        Arrays.fill(first, '\0');
        throw new CliException(ExitCode.ERROR, "the two passphrases differ; nothing was created");
      }
      return first;
    } finally {
      Arrays.fill(second, '\0');
    }
  }

  /** Runs in the daemon with the passphrase from stdin; asking on the terminal happens here, in the JVM CLI. */
  @Override
  public CommandRelay.Input relayInput() {
    return fromStdin ? CommandRelay.Input.LINE : CommandRelay.Input.HAND_BACK;
  }

  /** A passphrase read from the terminal without echo; the caller wipes it. */
  static char[] read(Console console, String prompt) throws CliException {
    char[] answer = console.readPassword(prompt);
    if (answer == null) {
      throw new CliException(ExitCode.ERROR, "no passphrase given");
    }
    return answer;
  }
}
