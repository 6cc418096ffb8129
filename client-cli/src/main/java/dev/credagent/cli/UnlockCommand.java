package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
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
final class UnlockCommand implements Callable<Integer> {
  @Option(names = "--passphrase-stdin", description = "Read the passphrase from standard input (its first line).")
  boolean fromStdin;

  @Override
  public Integer call() throws Exception {
    char[] passphrase = fromStdin ? StdinSecret.readLine(System.in) : ask();
    if (passphrase.length == 0) {
      throw new CliException(ExitCode.ERROR, "the passphrase must not be empty");
    }
    JsonNode reply = Agent.call(ClientRequest.op(Op.UNLOCK).withSecret("passphrase", passphrase));
    if (reply.path("created").asBoolean()) {
      System.out.println("created a new vault in " + Agent.paths().home() + " and unlocked it");
    } else if (reply.path("alreadyUnlocked").asBoolean()) {
      System.out.println("the vault was already unlocked");
    } else {
      System.out.println("vault unlocked");
    }
    return ExitCode.OK;
  }

  private char[] ask() throws Exception {
    Console console = System.console();
    if (console == null || !console.isTerminal()) {
      throw new CliException(ExitCode.ERROR,
          "no terminal to ask for the passphrase; pipe it in with `credagent unlock --passphrase-stdin`");
    }
    boolean exists = !"absent".equals(Agent.call(ClientRequest.op(Op.STATUS)).path("vault").asText());
    if (exists) {
      return read(console, "Passphrase for the credagent vault: ");
    }
    console.printf("No vault yet in %s: a new one will be created.%n", Agent.paths().home());
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

  private static char[] read(Console console, String prompt) throws CliException {
    char[] answer = console.readPassword(prompt);
    if (answer == null) {
      throw new CliException(ExitCode.ERROR, "no passphrase given");
    }
    return answer;
  }
}
