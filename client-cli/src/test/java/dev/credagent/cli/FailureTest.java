package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.credagent.client.AgentErrorException;
import org.junit.jupiter.api.Test;

class FailureTest {
  @Test
  void protocolErrorCodesBecomeTheDocumentedExitCodes() {
    assertEquals(ExitCode.LOCKED, Failure.exitCode(new AgentErrorException("locked", "m")));
    assertEquals(ExitCode.NOT_FOUND, Failure.exitCode(new AgentErrorException("not_found", "m")));
    assertEquals(ExitCode.WRONG_PASSPHRASE, Failure.exitCode(new AgentErrorException("unauthorized", "m")));
    assertEquals(ExitCode.ERROR, Failure.exitCode(new AgentErrorException("some_future_code", "m")));
  }

  @Test
  void unexpectedFailuresAreOneLineWithoutATrace() {
    String message = Failure.message(new IllegalStateException("boom"));
    assertEquals("internal error (IllegalStateException: boom)", message);
  }
}
