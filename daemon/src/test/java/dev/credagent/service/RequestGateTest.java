package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.protocol.Op;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one check before any op: a registry name past the limits, then an op no share serves asked
 * through a share. A refused request does no work, does not count as use (auto-lock's idle clock),
 * leaves one audit line, and has its secrets wiped; an admitted one runs, audited.
 */
class RequestGateTest {
  private static final Caller OWNER = new Caller(1000, 4242);
  private static final Caller SHARED = new Caller(1000, 4243, new ShareScope("ci", List.of()));
  @TempDir Path home;
  private Path auditFile;
  private RequestGate gate;
  private final AtomicInteger used = new AtomicInteger();
  private final AtomicInteger worked = new AtomicInteger();

  @BeforeEach
  void setUp() {
    auditFile = home.resolve("audit.log");
    TestClock clock = new TestClock();
    gate = new RequestGate(new AuditTrail(new AuditLog(auditFile, 1 << 20, clock), clock), used::incrementAndGet);
  }

  private CompletableFuture<String> run(Caller caller, Op op, String server, Secret... owned) {
    return gate.run(caller, op, op.wire(), server, Runnable::run, () -> {
      worked.incrementAndGet();
      return "done";
    }, owned);
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  private List<String> audit() throws Exception {
    return Files.exists(auditFile) ? Files.readAllLines(auditFile) : List.of();
  }

  @Test
  void anAdmittedRequestRunsCountsAsUseAndIsAudited() throws Exception {
    assertEquals("done", run(OWNER, Op.GET, "ghcr.io").join());
    assertEquals(1, worked.get());
    assertEquals(1, used.get());
    List<String> lines = audit();
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("ghcr.io"), lines.get(0));
  }

  @Test
  void aNameWithAControlCharacterIsRefusedBeforeAnyWorkAndItsSecretWiped() throws Exception {
    Secret secret = TestKdf.secret("hunter2");
    Throwable refused = failure(run(OWNER, Op.STORE, "ghcr.io\n2026-12-06 forged line", secret));
    assertInstanceOf(InvalidRequestException.class, refused);
    assertTrue(secret.isDestroyed(), "the service owns what it was handed, refused or not");
    assertEquals(0, worked.get());
    assertEquals(0, used.get(), "a refused request does not keep the vault unlocked");
    List<String> lines = audit();
    assertEquals(1, lines.size(), "one line, and no line forged by the name: " + lines);
    assertFalse(lines.get(0).contains("forged line"), lines.get(0));
  }

  @Test
  void aNameLongerThanAnyRegistryReferenceIsRefused() throws Exception {
    String name = "r".repeat(RequestLimits.MAX_SERVER_CHARS + 1);
    assertInstanceOf(InvalidRequestException.class, failure(run(OWNER, Op.GET, name)));
    assertEquals(0, worked.get());
    assertFalse(audit().get(0).contains(name), "the audit line names it by its length, not by 513 bytes of it");
    assertEquals("done", run(OWNER, Op.GET, "r".repeat(RequestLimits.MAX_SERVER_CHARS)).join(), "the limit itself is allowed");
  }

  @Test
  void aShareIsRefusedWhatNoShareServesAndServedWhatItMay() throws Exception {
    Secret secret = TestKdf.secret("s");
    assertInstanceOf(ShareForbiddenException.class, failure(run(SHARED, Op.STORE, "ghcr.io", secret)));
    assertTrue(secret.isDestroyed());
    assertInstanceOf(ShareForbiddenException.class, failure(run(SHARED, Op.ERASE, "ghcr.io")));
    assertEquals(0, worked.get());
    assertEquals("done", run(SHARED, Op.GET, "ghcr.io").join());
    assertEquals(1, worked.get());
    assertEquals(3, audit().size(), "each refusal is audited, as is the get");
  }

  @Test
  void anOpAnsweredAtOnceIsRefusedToAShareByThrowingRecorded() throws Exception {
    for (Op op : Op.values()) {
      if (op.share() != Op.Share.NEVER) {
        gate.check(SHARED, op);
      } else {
        assertThrows(ShareForbiddenException.class, () -> gate.check(SHARED, op), op.wire());
      }
      gate.check(OWNER, op); // the owner is refused nothing here
    }
    long unshared = Arrays.stream(Op.values()).filter(op -> op.share() == Op.Share.NEVER).count();
    assertEquals(unshared, audit().size());
  }

  @Test
  void aRefusalForWhatTheRequestCarriesWipesItsSecrets() throws Exception {
    Secret secret = TestKdf.secret("s");
    Throwable why = failure(gate.invalid(OWNER, Op.STORE, "ghcr.io", new InvalidRequestException("the secret is empty"), secret, null));
    assertEquals("the secret is empty", why.getMessage());
    assertTrue(secret.isDestroyed());
    assertEquals(1, audit().size());
  }
}
