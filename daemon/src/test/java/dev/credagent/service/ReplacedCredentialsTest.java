package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.ServerNames;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing the user stored is lost without a trace: a store, a helper's store under another of a
 * registry's names, or a restore that replaces a different credential keeps the replaced one as
 * erased (restorable for erased-ttl) and says so in the audit log; and erased-ttl is honoured by
 * the clock, not only at the next erase.
 */
class ReplacedCredentialsTest {
  private static final Caller ME = new Caller(1000, ProcessHandle.current().pid());
  @TempDir Path home;
  private final TestClock clock = new TestClock();
  private AgentConfig config = new AgentConfig(Duration.ZERO, Duration.ZERO, 4L << 20, AgentConfig.DEFAULT_ERASED_TTL);
  private CredentialService service;
  private Vault vault;
  private Path auditFile;

  @BeforeEach
  void setUp() {
    auditFile = home.resolve("audit.log");
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    service = new CredentialService(vault, clock, Runnable::run, Runnable::run, Runnable::run, null, () -> config,
        new AuditLog(auditFile, 1 << 20, clock));
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  private void store(String server, String username, String secret) {
    service.store(ME, server, new Credential(username, TestKdf.secret(secret))).join();
  }

  private String secretFor(String server) {
    Credential credential = service.get(ME, RegistryReference.parse(server)).join();
    return credential.username() + ":" + new String(credential.secret().toChars());
  }

  private List<String> erased() throws Exception {
    return service.erasure().list(ME).stream().map(e -> e.server() + "=" + e.username()).toList();
  }

  private List<String> auditOutcomes(String op) throws Exception {
    return Files.readAllLines(auditFile).stream().filter(line -> line.contains("\"op\":\"" + op + "\""))
        .map(line -> line.replaceAll(".*\"outcome\":\"([^\"]*)\".*", "$1")).toList();
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  @Test
  void aStoreOfAnotherCredentialKeepsTheReplacedOneAsErasedAndAuditsIt() throws Exception {
    store("r.example", "alice", "old-secret");
    store("r.example", "alice", "new-secret"); // the same username, another secret
    store("r.example", "bob", "new-secret"); // another username, the same secret
    assertEquals("bob:new-secret", secretFor("r.example"));
    assertEquals(List.of("r.example=alice", "r.example=alice"), erased(), "both replaced credentials are kept");
    assertEquals(List.of("ok", "replaced", "replaced"), auditOutcomes("store"));

    service.erasure().restore(ME, "r.example").join(); // the newest replaced one first
    assertEquals("alice:new-secret", secretFor("r.example"));
    assertEquals(List.of("r.example=bob", "r.example=alice"), erased(), "the first one was never lost");
  }

  @Test
  void aStoreOfTheIdenticalCredentialIsNoReplacement() throws Exception {
    store("r.example", "alice", "same");
    store("r.example", "alice", "same");
    assertEquals(List.of(), erased());
    assertEquals(List.of("ok", "ok"), auditOutcomes("store"));
  }

  @Test
  void aHelperStoreOfDockerIoKeepsTheHubLoginItReplaces() throws Exception {
    store(ServerNames.HUB_KEY, "hub-user", "hub-pat"); // docker login
    store("docker.io", "podman-user", "podman-pw"); // podman login docker.io, or a helper's store
    assertEquals("podman-user:podman-pw", secretFor("docker.io"));
    assertEquals(List.of(ServerNames.HUB_KEY + "=hub-user"), erased());
    assertEquals("replaced", auditOutcomes("store").getLast());
    service.erasure().restore(ME, "docker.io").join();
    assertEquals("hub-user:hub-pat", secretFor("https://index.docker.io/v1/"));
  }

  @Test
  void aHubAliasRemovedByAStoreUnderDockersKeyIsKept() throws Exception {
    // Stored by an older credagent under podman's name, before one key served all of Hub's names.
    vault.store("docker.io", new Credential("old-alias", TestKdf.secret("alias-pw")));
    service.lock(ME);
    service.unlock(ME, TestKdf.secret("pw")).join(); // as after a restart: the index knows the alias
    store(ServerNames.HUB_KEY, "hub-user", "hub-pat");
    assertEquals(List.of("docker.io=old-alias"), erased());
  }

  @Test
  void restoreOverALiveCredentialKeepsTheLiveOneErased() throws Exception {
    store("r.example", "old", "old-secret");
    service.erasure().erase(ME, "r.example", false).join();
    store("r.example", "new", "new-secret");
    service.erasure().restore(ME, "r.example").join();
    assertEquals("old:old-secret", secretFor("r.example"));
    assertEquals(List.of("r.example=new"), erased(), "the newer credential is kept, not destroyed");
    service.erasure().restore(ME, "r.example").join(); // and a second restore undoes the first
    assertEquals("new:new-secret", secretFor("r.example"));
    assertEquals(List.of("r.example=old"), erased());
  }

  @Test
  void restoreOverTheIdenticalCredentialKeepsNoCopy() throws Exception {
    store("r.example", "same", "same-secret");
    service.erasure().erase(ME, "r.example", false).join();
    store("r.example", "same", "same-secret");
    service.erasure().restore(ME, "r.example").join();
    assertEquals("same:same-secret", secretFor("r.example"));
    assertEquals(List.of(), erased());
  }

  @Test
  void anErasedCredentialIsGoneOnceErasedTtlHasPassed() throws Exception {
    config = new AgentConfig(Duration.ZERO, Duration.ZERO, 4L << 20, Duration.ofSeconds(3));
    store("r.example", "alice", "s");
    service.erasure().erase(ME, "r.example", false).join();
    clock.advance(Duration.ofSeconds(2));
    assertEquals(List.of("r.example=alice"), erased(), "kept within erased-ttl");
    clock.advance(Duration.ofSeconds(3));
    assertEquals(List.of(), erased(), "not listed after erased-ttl");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.erasure().restore(ME, "r.example")));
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse("r.example"))));
  }

  @Test
  void theDaemonsSweepRemovesWhatOutlivedErasedTtlFromTheVault() throws Exception {
    config = new AgentConfig(Duration.ZERO, Duration.ZERO, 4L << 20, Duration.ofSeconds(3));
    store("r.example", "alice", "s");
    store("r.example", "bob", "s"); // alice kept as replaced
    assertEquals(1, vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).size());
    service.erasure().expireDue();
    assertEquals(1, vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).size(), "not yet due");
    clock.advance(Duration.ofSeconds(3));
    service.erasure().expireDue();
    assertEquals(0, vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).size(), "the record left the vault");
    assertTrue(vault.list().containsKey("r.example"));
  }

  @Test
  void rotationsKeepTheReplacedTokenButOnlyTheLastFewPerKey() throws Exception {
    // A share client can make a rotating token server rotate as often as it asks for new scopes:
    // each rotation keeps the token it replaced, but no more than a few per key, or it could fill the vault.
    store("reg.example/org-c", "<token>", "refresh-0");
    for (int i = 1; i <= ErasureService.KEPT_ROTATIONS + 5; i++) {
      Credential supplied = new Credential("<token>", TestKdf.secret("refresh-" + (i - 1)));
      assertTrue(service.erasure().refreshed("reg.example/org-c", supplied, new Credential("<token>",
          TestKdf.secret("refresh-" + i))).join());
    }
    assertEquals("<token>:refresh-" + (ErasureService.KEPT_ROTATIONS + 5), secretFor("reg.example/org-c/app"));
    assertEquals(ErasureService.KEPT_ROTATIONS, erased().size(), erased().toString());
    assertEquals(ErasureService.KEPT_ROTATIONS + 5L, auditOutcomes("refresh").size());

    // A login the user stored meanwhile is newer than a rotation of what was sent before it: it wins.
    store("reg.example/org-c", "alice", "typed-by-hand");
    assertEquals(false, service.erasure().refreshed("reg.example/org-c", new Credential("<token>",
        TestKdf.secret("refresh-" + (ErasureService.KEPT_ROTATIONS + 5))), new Credential("<token>", TestKdf.secret("late"))).join());
    assertEquals("alice:typed-by-hand", secretFor("reg.example/org-c/app"));
  }

  @Test
  void aConfigFileThatCannotBeReadExpiresNothing() throws Exception {
    store("r.example", "alice", "s");
    service.erasure().erase(ME, "r.example", false).join();
    clock.advance(Duration.ofDays(30));
    CredentialService broken = new CredentialService(vault, clock, Runnable::run, Runnable::run, Runnable::run, null,
        () -> { throw new dev.credagent.config.ConfigException("config.toml: line 1: not TOML"); }, AuditLog.NONE);
    broken.erasure().expireDue();
    assertEquals(List.of("r.example=alice"), broken.erasure().list(ME).stream().map(e -> e.server() + "=" + e.username()).toList());
  }

  @Test
  void aReplacementWhoseKeptCopyTheFullVaultRefusesIsRefusedItself() throws Exception {
    store("r.example", "alice", "s1"); // 9 + 5 + 2 characters
    long left = Vault.MAX_CONTENT_CHARS - 16 - 10; // ten characters left at the end
    for (int n = 0; left > 0; n++) {
      String key = "big" + (char) ('a' + n);
      int chars = (int) Math.min(1 << 20, left - key.length() - 1);
      char[] filler = new char[chars];
      java.util.Arrays.fill(filler, 'x');
      vault.store(key, new Credential("u", dev.credagent.vault.Secret.adopt(filler)));
      left -= key.length() + 1 + chars;
    }
    Throwable full = failure(service.store(ME, "r.example", new Credential("bob", TestKdf.secret("s2"))));
    assertInstanceOf(dev.credagent.vault.VaultFullException.class, full);
    assertEquals("alice:s1", secretFor("r.example"), "the old one was not replaced, so it is not lost");
    assertEquals(List.of(), erased());
  }

  @Test
  void aRotatedRefreshTokenLongerThanAStoreMayBeIsNotWritten() throws Exception {
    // A hostile token server answers 1 MiB refresh tokens (the body limit), a share client asks for
    // new scopes: nine of them per key (live and kept) came to 9 M of the vault's 16 M characters.
    store("reg.example/org-c", "<token>", "refresh-0");
    char[] huge = new char[RequestLimits.MAX_SECRET_CHARS + 1];
    java.util.Arrays.fill(huge, 'r');
    assertEquals(false, service.erasure().refreshed("reg.example/org-c", new Credential("<token>", TestKdf.secret("refresh-0")),
        new Credential("<token>", dev.credagent.vault.Secret.adopt(huge))).join());
    assertEquals("<token>:refresh-0", secretFor("reg.example/org-c/app"), "the token a client could have stored stays");
    assertEquals(List.of(), erased());
  }

  @Test
  void anErasedCredentialDatedAtTheEndOfTimeBreaksNeitherTheSweepNorTheList() throws Exception {
    // at + erased-ttl past Instant.MAX threw from the daemon's once-a-second tick, which then never
    // ran again: no idle lock, no sweep. A damaged or hand-made vault must not stop either.
    store("r.example", "alice", "s");
    vault.store(new ErasedKey("r.example", java.time.Instant.MAX.minusSeconds(1), "x").key(),
        new Credential("bob", TestKdf.secret("t")));
    service.erasure().expireDue();
    assertEquals(List.of("r.example=bob"), erased());
    assertEquals("bob:t", restoredThen("r.example"));
  }

  private String restoredThen(String server) {
    service.erasure().restore(ME, server).join();
    return secretFor(server);
  }

  @Test
  void anErasedCredentialWhoseKeyIsWrittenAnotherWayIsRestoredByItsOwnKey() throws Exception {
    // The key was rebuilt from its parts ("+1795338000" parses, then prints "1795338000"): the
    // credential was listed, but its restore failed with "not found", naming the internal key.
    long at = clock.instant().getEpochSecond();
    vault.store("\u0001erased\u0001+" + at + "\u0001x\u0001r.example", new Credential("alice", TestKdf.secret("s")));
    assertEquals(List.of("r.example=alice"), erased());
    assertEquals("alice:s", restoredThen("r.example"));
    assertEquals(List.of(), erased(), "restored, so no longer kept");
  }
}
