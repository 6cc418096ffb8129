package dev.credagent.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.vault.Credential;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real processes, run as the daemon runs a source: no shell, a timeout, bounded output. */
class SourceRunnerTest {
  private final SourceRunner runner = new SourceRunner(Duration.ofMillis(1500));

  private static SourceDefinition sh(String script) {
    return new SourceDefinition.Exec(List.of("sh", "-c", script), "AWS", Duration.ofHours(1), Map.of("GREETING", "hi"));
  }

  @Test
  void theOutputLessItsNewlineIsTheSecretAndTheEnvironmentIsPassed() throws Exception {
    Credential credential = runner.run("r", sh("printf '%s-s3cret\\n' \"$GREETING\""));
    assertEquals("AWS", credential.username());
    assertEquals("hi-s3cret", new String(credential.secret().toChars()));
  }

  @Test
  void aFailureNamesTheSourceItsExitCodeAndTheFirstLineOfItsStderr() {
    SourceFailedException e = assertThrows(SourceFailedException.class,
        () -> runner.run("r.example", sh("echo 'token expired' >&2; echo more >&2; exit 3")));
    assertEquals("the source for r.example (sh) exited with 3: token expired", e.getMessage());
  }

  /** Its stderr is read to the end before anything is killed: a kill closes the pipe under a reader still reading. */
  @Test
  void aFailuresStderrIsNeverLostToARaceWithItsExit() {
    for (int i = 0; i < 200; i++) {
      SourceFailedException e = assertThrows(SourceFailedException.class,
          () -> runner.run("r.example", sh("echo 'token expired' >&2; exit 3")));
      assertEquals("the source for r.example (sh) exited with 3: token expired", e.getMessage(), "run " + i);
    }
  }

  @Test
  void aSourceThatHangsIsKilledAtTheTimeout() {
    SourceFailedException e = assertThrows(SourceFailedException.class, () -> runner.run("r", sh("sleep 30")));
    assertTrue(e.getMessage().contains("did not finish within 1 s and was killed"), e.getMessage());
  }

  @Test
  void aChildLeftBehindHoldingTheOutputDoesNotHoldTheAnswer() throws Exception {
    long start = System.nanoTime();
    Credential credential = new SourceRunner(Duration.ofSeconds(20)).run("r", sh("echo pw; sleep 50 &"));
    assertEquals("pw", new String(credential.secret().toChars()));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "answered when the source exited");
  }

  @Test
  void atTheTimeoutTheWholeGroupIsKilled(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path pidFile = dir.resolve("pid");
    assertThrows(SourceFailedException.class, () -> runner.run("r", sh("sleep 300 & echo $! > " + pidFile + "; wait")));
    long child = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true), "the sleep it started is gone too");
  }

  @Test
  void outputOverTheBoundAndNoOutputAreErrors() {
    assertTrue(assertThrows(SourceFailedException.class, () -> runner.run("r", sh("head -c 70000 /dev/zero | tr '\\\\0' x")))
        .getMessage().contains("more than 64 KiB"));
    assertTrue(assertThrows(SourceFailedException.class, () -> runner.run("r", sh("true"))).getMessage().contains("printed nothing"));
    assertTrue(assertThrows(SourceFailedException.class,
        () -> runner.run("r", new SourceDefinition.Exec(List.of("/nonexistent/cmd"), "u", Duration.ofHours(1), Map.of())))
        .getMessage().startsWith("cannot run the source for r"));
  }

  @Test
  void aFailingHelperSaysWhyOnStdoutAsTheHelperProtocolHasIt() {
    SourceDefinition helper = new SourceDefinition.Helper("fake", List.of("sh", "-c", "echo 'gcloud: not logged in'; exit 1"),
        Duration.ofHours(1), Map.of());
    SourceFailedException e = assertThrows(SourceFailedException.class, () -> runner.run("gcr.io", helper));
    assertEquals("the source for gcr.io (sh) exited with 1: gcloud: not logged in", e.getMessage());
  }

  @Test
  void aHelperSourceIsAskedAsDockerAsksAHelper() throws Exception {
    SourceDefinition helper = new SourceDefinition.Helper("fake", List.of("sh", "-c",
        "read server; printf '{\"ServerURL\":\"%s\",\"Username\":\"oauth2accesstoken\",\"Secret\":\"ya29.x\"}' \"$server\""),
        Duration.ofHours(1), Map.of());
    Credential credential = runner.run("gcr.io", helper);
    assertEquals("oauth2accesstoken", credential.username());
    assertEquals("ya29.x", new String(credential.secret().toChars()));
  }

  @Test
  void commandsAreSplitAsAShellWouldButNothingIsExpanded() {
    assertEquals(List.of("aws", "ecr", "get-login-password", "--region", "eu west"),
        Words.split("aws ecr  get-login-password --region 'eu west'"));
    assertEquals(List.of("sh", "-c", "echo \"$HOME\" $(id)"), Words.split("sh -c 'echo \"$HOME\" $(id)'"));
    assertEquals(List.of("a b", "c\"d"), Words.split("a\\ b \"c\\\"d\""));
    assertThrows(IllegalArgumentException.class, () -> Words.split("echo 'open"));
  }
}
