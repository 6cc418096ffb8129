package dev.credagent.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The one failure vocabulary: every failure a caller can act on carries its code. */
class AgentFailureTest {
  /**
   * Failures that are answered {@code internal} (or never leave the daemon) on purpose: the
   * daemon's own start-up refusals, a decoder's input refusal (the transport answers it itself),
   * and parse failures that are caught and translated where they happen.
   */
  private static final Set<String> NOT_ANSWERED_AS_THEIR_OWN = Set.of(
      "dev.credagent.files.InsecureDirectoryException",
      "dev.credagent.files.HomeLock$HomeInUseException",
      "dev.credagent.transport.DaemonAlreadyRunningException",
      "dev.credagent.transport.InputRejectedException",
      "dev.credagent.registry.MalformedChallengeException",
      "dev.credagent.registry.RegistryHttp$UncheckedSecurityException",
      "dev.credagent.vault.Secret$DestroyedSecretException",
      // A file read whole (config.toml, config.json) that is no regular file or too large: the daemon
      // answers it as the config's own ConfigException, the CLI prints it as its one line.
      "dev.credagent.files.SmallFile$NotASmallFileException",
      // A working directory on a hung mount: caught where the profile is chosen, which answers in
      // the default profile and says why in the audit line; it never reaches a client.
      "dev.credagent.service.RealPathCache$StalledPathException");

  @Test
  void everyExceptionTypeOfTheDaemonCarriesItsCodeOrIsListedAsInternal() throws Exception {
    Path classes = Path.of("target", "classes");
    Set<String> uncoded = new TreeSet<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith("Exception.class")).toList()) {
        String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> type = Class.forName(name, false, getClass().getClassLoader());
        if (Throwable.class.isAssignableFrom(type) && !AgentFailure.class.isAssignableFrom(type)
            && !NOT_ANSWERED_AS_THEIR_OWN.contains(name)) {
          uncoded.add(name);
        }
      }
    }
    assertEquals(Set.of(), uncoded, "give each an ErrorCode (implements AgentFailure), or list it here with why");
  }

  @Test
  void theCodeIsTheWireAnswerTheAuditOutcomeAndTheExitCode() {
    List<AgentFailure> failures = List.of(new dev.credagent.vault.VaultLockedException(),
        new dev.credagent.vault.WrongPassphraseException(),
        new dev.credagent.service.ShareForbiddenException("'store'"),
        new dev.credagent.registry.LoginFailedException("no"));
    List<String> wire = failures.stream().map(f -> AgentFailure.codeOf((Throwable) f).wire()).toList();
    assertEquals(List.of("locked", "unauthorized", "forbidden", "login_failed"), wire);
    assertEquals(List.of(3, 5, 1, 1), failures.stream().map(f -> f.code().exitCode()).toList());
    assertEquals(ErrorCode.INTERNAL, AgentFailure.codeOf(new IllegalStateException("a bug")));
    assertTrue(ErrorCode.exitCodes().keySet().containsAll(List.of(0, 1, 2, 3, 4, 5)));
  }
}
