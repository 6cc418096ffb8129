package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.cli.local.LocalSession;
import dev.credagent.client.AgentErrorException;
import dev.credagent.failure.ErrorCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FailureTest {
  @Test
  void protocolErrorCodesBecomeTheDocumentedExitCodes() {
    assertEquals(ExitCode.LOCKED, Failure.exitCode(new AgentErrorException("locked", "m")));
    assertEquals(ExitCode.NOT_FOUND, Failure.exitCode(new AgentErrorException("not_found", "m")));
    assertEquals(ExitCode.WRONG_PASSPHRASE, Failure.exitCode(new AgentErrorException("unauthorized", "m")));
    assertEquals(ExitCode.ERROR, Failure.exitCode(new AgentErrorException("some_future_code", "m")));
  }

  /** The README's table, --help's list and the codes the commands exit with are one table: ErrorCode's. */
  @Test
  void theReadmesExitCodeTableIsErrorCodesTable() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String section = readme.substring(readme.indexOf("### Exit codes"));
    section = section.substring(0, section.indexOf("\n## "));
    SortedMap<Integer, String> documented = new TreeMap<>();
    Matcher row = Pattern.compile("(?m)^\\| ([0-9]+) \\| (.+) \\|$").matcher(section);
    while (row.find()) {
      documented.put(Integer.parseInt(row.group(1)), row.group(2));
    }
    assertEquals(ErrorCode.exitCodes(), documented);

    StringWriter help = new StringWriter();
    CommandLine cli = Main.commandLine(new LocalSession());
    cli.setOut(new PrintWriter(help));
    cli.execute("--help");
    ErrorCode.exitCodes().forEach((code, meaning) ->
        assertTrue(help.toString().contains("  " + code + "   " + meaning), "--help lists " + code));
  }

  @Test
  void everyErrorCodeExitsWithItsOwnCode() {
    for (ErrorCode code : ErrorCode.values()) {
      assertEquals(code.exitCode(), Failure.exitCode(new AgentErrorException(code.wire(), "m")), code.wire());
      assertTrue(ErrorCode.exitCodes().containsKey(code.exitCode()), code.wire() + "'s exit code is documented");
    }
  }

  @Test
  void unexpectedFailuresAreOneLineWithoutATrace() {
    String message = Failure.message(new IllegalStateException("boom"));
    assertEquals("internal error (IllegalStateException: boom)", message);
  }
}
