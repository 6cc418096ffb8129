package dev.credagent.door;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.protocol.Response;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.service.CredentialService;
import dev.credagent.service.TestClock;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtocolCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Caller ME = new Caller(1000, 4242);

  @TempDir Path home;
  private ProtocolCodec operations;
  private final AtomicBoolean stopped = new AtomicBoolean();

  @BeforeEach
  void setUp() {
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    DaemonInfo info = new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now());
    operations = new ProtocolCodec(new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run), info,
        () -> stopped.set(true));
  }

  private JsonNode call(String line) throws Exception {
    return call(ME, line);
  }

  private JsonNode call(Caller caller, String line) throws Exception {
    Response response = operations.handle(caller, line.getBytes(StandardCharsets.UTF_8)).join();
    JsonNode answer = JSON.readTree(response.toLine());
    response.afterSent().run();
    return answer;
  }

  private static String code(JsonNode answer) {
    return answer.path("error").path("code").asText();
  }

  @Test
  void storesAndErasesAreTheOnlyOpsThatOverlapWrites() {
    assertTrue(operations.read(bytes("{\"v\":1,\"secret\":\"s\",\"op\":\"store\",\"server\":\"r\"}")).overlapsWrites());
    assertTrue(operations.read(bytes("{\"op\":\"erase\",\"v\":1,\"server\":\"r\"}")).overlapsWrites());
    for (String other : List.of("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}", "{\"v\":1,\"op\":\"login\"}",
        "{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"p\"}", "{\"op\":{\"x\":\"store\"}}", "not json", "[\"store\"]", "")) {
      assertFalse(operations.read(bytes(other)).overlapsWrites(), other);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * keyslot_add, at the socket: a slot outlives a passwd, so whoever briefly holds the unlocked
   * socket must not plant a lasting way in. Without the vault's passphrase, or with a wrong one or
   * the login password, it is refused and no slot is added; the passphrase is never echoed.
   */
  @Test
  void keyslotAddNeedsTheVaultsPassphrase() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    JsonNode absent = call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\"}");
    assertEquals("bad_request", code(absent));
    assertTrue(absent.path("error").path("message").asText().contains("'passphrase'"), absent.toString());
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"login\",\"secret\":\"login pw\"}")));
    JsonNode wrong = call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"login\",\"secret\":\"login pw\",\"passphrase\":\"guess-42\"}");
    assertEquals("unauthorized", code(wrong));
    assertFalse(wrong.toString().contains("guess-42"), wrong.toString());
    assertEquals(1, call("{\"v\":1,\"op\":\"keyslot_list\"}").path("slots").size(), "no slot was added");
    assertTrue(call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"login\",\"secret\":\"login pw\",\"passphrase\":\"pw\"}")
        .path("ok").asBoolean());
    // A login slot's password is no passphrase: it adds nothing either.
    assertEquals("unauthorized", code(call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"login pw\"}")));
    assertEquals(2, call("{\"v\":1,\"op\":\"keyslot_list\"}").path("slots").size());
  }

  /**
   * A share client that tries the ops that change the ways into the vault (keyslot_add,
   * keyslot_remove, passwd) is refused, and the refusal is in the audit log, as every refusal of
   * an op through a share is: the codec answered these before the service's gate, which records
   * them, so a share's probing of the key slots left no trace.
   */
  @Test
  void aSharesKeyslotAndPasswdRequestsAreRefusedAndAudited() throws Exception {
    Path auditFile = home.resolve("audit.log");
    Vault vault = new Vault(home.resolve("audited-vault"), TestKdf.CHEAP);
    CredentialService service = unlockedServiceAuditingTo(vault, auditFile);
    ProtocolCodec audited = new ProtocolCodec(service, new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now()),
        () -> { });
    Caller share = new Caller(1000, 4242, new ShareScope("s",
        List.of(RegistryPattern.parse("ghcr.io"))));
    for (String line : List.of("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"pw\"}",
        "{\"v\":1,\"op\":\"keyslot_remove\",\"index\":\"0\",\"passphrase\":\"pw\"}",
        "{\"v\":1,\"op\":\"passwd\",\"passphrase\":\"pw\",\"new_passphrase\":\"mine\"}")) {
      Response response = audited.handle(share, bytes(line)).join();
      JsonNode answer = JSON.readTree(response.toLine());
      assertEquals("forbidden", code(answer), line);
      service.beforeAnswersLeave();
      String op = JSON.readTree(line).path("op").asText();
      String log = Files.exists(auditFile) ? Files.readString(auditFile) : "";
      assertTrue(log.lines().anyMatch(l -> l.contains("\"op\":\"" + op + "\"") && l.contains("\"outcome\":\"forbidden\"")),
          op + " through a share left no audit line:\n" + log);
      assertFalse(log.contains("mine"), log);
    }
    assertEquals(1, vault.keySlots().size(), "no slot was added or removed");
  }

  /**
   * passwd with an empty new passphrase, at the socket: the service's refusal audits the op on no
   * server, and the audit's "server by its length" read the null server's length, so the request
   * ended in a NullPointerException in place of its bad_request answer (the CLI refuses an empty
   * one first, so only another client reached it).
   */
  @Test
  void passwdWithAnEmptyNewPassphraseIsABadRequest() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    JsonNode answer = call("{\"v\":1,\"op\":\"passwd\",\"passphrase\":\"pw\",\"new_passphrase\":\"\"}");
    assertEquals("bad_request", code(answer), answer.toString());
    assertTrue(answer.path("error").path("message").asText().contains("must not be empty"), answer.toString());
    assertTrue(call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").path("ok").asBoolean(), "unchanged");
  }

  /**
   * An empty passphrase at the socket: keyslot_remove and passwd answered "unauthorized" after the
   * throttle's wait, counted as a guess, where keyslot_add answered bad_request at once. Each
   * answers bad_request now, and nothing changes.
   */
  @Test
  void anEmptyPassphraseIsABadRequestForKeyslotRemoveAndPasswdAsForKeyslotAdd() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertTrue(call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"pw\"}").path("ok").asBoolean());
    for (String line : List.of("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"\"}",
        "{\"v\":1,\"op\":\"keyslot_remove\",\"index\":\"1\",\"passphrase\":\"\"}",
        "{\"v\":1,\"op\":\"passwd\",\"passphrase\":\"\",\"new_passphrase\":\"mine\"}",
        "{\"v\":1,\"op\":\"passwd\",\"slot\":\"login\",\"passphrase\":\"\",\"new_passphrase\":\"mine\"}")) {
      JsonNode answer = call(line);
      assertEquals("bad_request", code(answer), line + " -> " + answer);
      assertFalse(answer.toString().contains("mine"), answer.toString());
    }
    assertEquals(2, call("{\"v\":1,\"op\":\"keyslot_list\"}").path("slots").size(), "no slot was removed");
    assertTrue(call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").path("ok").asBoolean(), "the passphrase is unchanged");
  }

  /**
   * The answer of a keyslot_add --recovery that its client never got (it went away while the key
   * was derived) left a recovery slot whose key nobody saw, and no trace of it. Its undelivered
   * action (the transport runs it where the answer could not be written) now says so in the
   * daemon log, naming the slot to remove and never the key, and in the audit log; a login slot's
   * answer carries nothing lost.
   */
  @Test
  void aRecoveryKeysUndeliveredAnswerNamesItsSlotInTheDaemonAndAuditLogs() throws Exception {
    Path auditFile = home.resolve("audit.log");
    Vault vault = new Vault(home.resolve("audited-vault"), TestKdf.CHEAP);
    CredentialService service = unlockedServiceAuditingTo(vault, auditFile);
    ProtocolCodec codec = new ProtocolCodec(service, new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now()),
        () -> { });
    List<String> warnings = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel() == Level.WARNING) {
          warnings.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger("dev.credagent");
    log.addHandler(capture);
    try {
      Response login = codec.handle(ME, bytes("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"login\",\"secret\":\"l\","
          + "\"passphrase\":\"pw\"}")).join();
      login.undelivered().run();
      assertEquals(List.of(), warnings, "a login slot's answer carries nothing lost");
      Response recovery = codec.handle(ME, bytes("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"pw\"}"))
          .join();
      String key = JSON.readTree(recovery.toLine()).path("recovery_key").asText();
      assertFalse(key.isEmpty());
      recovery.close();
      recovery.undelivered().run(); // as the transport does where the line could not be written
      service.beforeAnswersLeave();
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.getFirst().contains("not delivered") && warnings.getFirst().contains("remove slot 2"),
          warnings.getFirst());
      assertFalse(warnings.getFirst().contains(key), "the key is in the daemon log: " + warnings.getFirst());
      String audit = Files.readString(auditFile);
      assertTrue(audit.lines().anyMatch(l -> l.contains("\"op\":\"keyslot_add\"") && l.contains("\"outcome\":\"undelivered\"")),
          audit);
      assertFalse(audit.contains(key), audit);
      assertEquals("recovery", vault.keySlots().get(2).kind(), "slot 2 is the one to remove");
    } finally {
      log.removeHandler(capture);
    }
  }

  /** keyslot_remove, at the socket: never while locked, never without the vault's passphrase. */
  @Test
  void keyslotRemoveNeedsTheVaultUnlockedAndItsPassphrase() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertTrue(call("{\"v\":1,\"op\":\"keyslot_add\",\"kind\":\"recovery\",\"passphrase\":\"pw\"}").path("ok").asBoolean());
    call("{\"v\":1,\"op\":\"lock\"}");
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"keyslot_remove\",\"index\":\"1\"}")));
    assertEquals("locked", code(call("{\"v\":1,\"op\":\"keyslot_remove\",\"index\":\"1\",\"passphrase\":\"pw\"}")));
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertEquals(2, call("{\"v\":1,\"op\":\"keyslot_list\"}").path("slots").size(), "both slots still there");
    assertTrue(call("{\"v\":1,\"op\":\"keyslot_remove\",\"index\":\"1\",\"passphrase\":\"pw\"}").path("ok").asBoolean());
    assertEquals(1, call("{\"v\":1,\"op\":\"keyslot_list\"}").path("slots").size());
  }

  @Test
  void aLockedVaultSaysSoAndHowToUnlock() throws Exception {
    JsonNode answer = call("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}");
    assertEquals("locked", code(answer));
    assertTrue(answer.path("error").path("message").asText().contains("credagent unlock"));
  }

  /**
   * Through a share the gate's column decides before a field is read (an op it never serves is
   * forbidden, not a bad request naming the fields it lacks), and `list`, which it serves filtered,
   * names what its gets would serve and nothing of the profiles.
   */
  @Test
  void aShareIsRefusedWhatItNeverServesBeforeAFieldIsReadAndListedWhatItWouldGet() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    call("{\"v\":1,\"op\":\"store\",\"server\":\"ghcr.io\",\"username\":\"PERSONAL\",\"secret\":\"s\"}");
    call("{\"v\":1,\"op\":\"store\",\"server\":\"ghcr.io/org-c/\",\"username\":\"ORG-C\",\"secret\":\"s\"}");
    Caller share = new Caller(1000, 4242, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io/org-c/"))));
    assertEquals("bad_request", code(call(ME, "{\"v\":1,\"op\":\"store\"}")), "the owner is told what is missing");
    for (String op : List.of("store", "stop", "share_stop", "status", "unlock")) {
      assertEquals("forbidden", code(call(share, "{\"v\":1,\"op\":\"" + op + "\"}")), op);
    }
    assertFalse(stopped.get(), "a share stops nothing");
    JsonNode listed = call(share, "{\"v\":1,\"op\":\"list\",\"profile\":\"no-such-profile\"}");
    assertEquals("{\"ghcr.io/org-c/\":\"ORG-C\"}", listed.path("credentials").toString(), listed.toString());
    assertFalse(listed.has("profile_credentials"));
  }

  /**
   * A share's JSON list answers its credentials and nothing of the profiles, not even the name of
   * the one it was made in: it answered {@code "profile": "client-acme"}, a name its maker chose
   * for themselves, to every share client.
   */
  @Test
  void aSharesListDoesNotNameTheProfileItWasMadeIn() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    JsonNode added = call("{\"v\":1,\"op\":\"profile_add\",\"name\":\"client-acme\",\"dirs\":\"" + home.toRealPath() + "\"}");
    assertTrue(added.path("ok").asBoolean(), added.toString());
    call("{\"v\":1,\"op\":\"store\",\"server\":\"ghcr.io\",\"username\":\"BOT\",\"secret\":\"s\",\"profile\":\"client-acme\"}");
    Caller share = new Caller(1000, 4242, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io")), "client-acme"));
    JsonNode listed = call(share, "{\"v\":1,\"op\":\"list\"}");
    assertEquals("{\"ghcr.io\":\"BOT\"}", listed.path("credentials").toString(), listed.toString());
    assertFalse(listed.toString().contains("client-acme"), listed.toString());
  }

  @Test
  void storeGetListEraseRoundTrip() throws Exception {
    assertTrue(call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}").path("created").asBoolean());
    assertTrue(call("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\",\"secret\":\"s\\n\"}").path("ok").asBoolean());
    JsonNode got = call("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}");
    assertEquals("u", got.path("username").asText());
    assertEquals("s\n", got.path("secret").asText());
    assertEquals("u", call("{\"v\":1,\"op\":\"list\"}").path("credentials").path("r").asText());
    assertTrue(call("{\"v\":1,\"op\":\"erase\",\"server\":\"r\"}").path("ok").asBoolean());
    assertEquals("not_found", code(call("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}")));
    assertEquals("not_found", code(call("{\"v\":1,\"op\":\"erase\",\"server\":\"r\"}")));
  }

  @Test
  void aWrongPassphraseIsUnauthorized() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    call("{\"v\":1,\"op\":\"lock\"}");
    assertEquals("unauthorized", code(call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"nope\"}")));
    assertEquals(true, call("{\"v\":1,\"op\":\"status\"}").path("locked").asBoolean());
  }

  /**
   * An unlock with {@code check} (what passwd and keyslot add --login check the typed secret
   * with) never opens a locked vault: their status, then a plain unlock, opened one that locked
   * between the two. On an unlocked vault it checks the secret as a second unlock does.
   */
  @Test
  void aCheckingUnlockLeavesALockedVaultLockedAndChecksAnOpenOne() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    call("{\"v\":1,\"op\":\"lock\"}");

    assertEquals("locked", code(call("{\"v\":1,\"op\":\"unlock\",\"check\":\"true\",\"passphrase\":\"pw\"}")));
    assertEquals(true, call("{\"v\":1,\"op\":\"status\"}").path("locked").asBoolean(), "the check opened nothing");

    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertEquals(true, call("{\"v\":1,\"op\":\"unlock\",\"check\":\"true\",\"passphrase\":\"pw\"}").path("alreadyUnlocked").asBoolean());
    assertEquals("unauthorized", code(call("{\"v\":1,\"op\":\"unlock\",\"check\":\"true\",\"passphrase\":\"nope\"}")));
    assertEquals(false, call("{\"v\":1,\"op\":\"status\"}").path("locked").asBoolean(), "a wrong check locks nothing either");
  }

  @Test
  void storeRefusesAnEmptyUsernameOrServer() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"\",\"secret\":\"s\"}")));
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"store\",\"server\":\"\",\"username\":\"u\",\"secret\":\"s\"}")));
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\"}")));
  }

  @Test
  void anUnknownOpIsAnsweredWithTheOpsThatExist() throws Exception {
    JsonNode answer = call("{\"v\":1,\"op\":\"frobnicate\"}");
    assertEquals("unknown_op", code(answer));
    assertTrue(answer.path("error").path("message").asText().contains("ping, status"));
  }

  @Test
  void statusReportsTheDaemonAndTheVault() throws Exception {
    JsonNode status = call("{\"v\":1,\"op\":\"status\"}");
    assertEquals("absent", status.path("vault").asText());
    assertEquals(1234, status.path("pid").asLong());
    assertTrue(status.path("credentials").isMissingNode());
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    assertEquals(0, call("{\"v\":1,\"op\":\"status\"}").path("credentials").asInt());
  }

  @Test
  void stopRunsOnlyAfterTheAnswerIsSent() throws Exception {
    Response response = operations.handle(ME, "{\"v\":1,\"op\":\"stop\"}".getBytes(StandardCharsets.UTF_8)).join();
    assertTrue(response.isOk());
    assertEquals(false, stopped.get());
    response.afterSent().run();
    assertTrue(stopped.get());
  }

  @Test
  void lockTakesEffectAtOnceAheadOfQueuedUnlocksAndWinsOverThem() throws Exception {
    // Defect 4: lock used to queue behind unlock attempts (Argon2 and the throttle's delay each).
    java.util.ArrayDeque<Runnable> unlockQueue = new java.util.ArrayDeque<>();
    Vault vault = new Vault(home.resolve("vault2"), TestKdf.CHEAP);
    DaemonInfo info = new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now());
    ProtocolCodec queued = new ProtocolCodec(new CredentialService(vault, new TestClock(), Runnable::run, unlockQueue::add),
        info, () -> {});
    java.util.function.Function<String, java.util.concurrent.CompletableFuture<Response>> ask =
        line -> queued.handle(ME, line.getBytes(StandardCharsets.UTF_8));
    ask.apply("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    unlockQueue.poll().run();
    ask.apply("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\",\"secret\":\"s\"}").join();

    var wrong = ask.apply("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"wrong\"}");
    var right = ask.apply("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    var lock = ask.apply("{\"v\":1,\"op\":\"lock\"}");
    assertTrue(lock.isDone(), "lock answers without waiting for the unlocks queued before it");
    assertEquals("locked", code(JSON.readTree(ask.apply("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}").join().toLine())));

    while (!unlockQueue.isEmpty()) {
      unlockQueue.poll().run();
    }
    assertEquals("unauthorized", code(JSON.readTree(wrong.join().toLine())));
    JsonNode overtaken = JSON.readTree(right.join().toLine());
    assertEquals("locked", code(overtaken), "an unlock asked for before the lock does not undo it");
    assertTrue(overtaken.path("error").path("message").asText().contains("locked while this unlock waited"));
    assertFalse(vault.isUnlocked());
  }

  @Test
  void everyOpTheTableCallsNonBlockingIsAnsweredAtOnce() throws Exception {
    // Executors that never run anything: an op that needed one would not be done.
    Vault vault = new Vault(home.resolve("vault3"), TestKdf.CHEAP);
    DaemonInfo info = new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now());
    ProtocolCodec stalled = new ProtocolCodec(new CredentialService(vault, new TestClock(), task -> {}, task -> {}), info, () -> {});
    for (dev.credagent.protocol.Op op : dev.credagent.protocol.Op.values()) {
      if (op.blocking()) {
        continue;
      }
      StringBuilder line = new StringBuilder("{\"v\":1,\"op\":\"" + op.wire() + "\"");
      op.fields().forEach(field -> line.append(",\"").append(field).append("\":\"x\""));
      op.secretFields().forEach(field -> line.append(",\"").append(field).append("\":\"x\""));
      line.append('}');
      assertTrue(stalled.handle(ME, line.toString().getBytes(StandardCharsets.UTF_8)).isDone(),
          "op '" + op.wire() + "' is declared non-blocking but waited for a thread");
    }
  }

  /** Issue 33 on the wire: optional profile and cwd, the profile ops, and an old client's request unchanged. */
  @Test
  void profilesOnTheWireAndAClientThatSendsNoneIsTheDefaultProfile() throws Exception {
    call("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\"pw\"}");
    Path work = java.nio.file.Files.createDirectories(home.resolve("work")).toRealPath();
    String cwd = JSON.writeValueAsString(work.toString());
    JsonNode added = call("{\"v\":1,\"op\":\"profile_add\",\"name\":\"work\",\"dirs\":" + cwd + "}");
    assertEquals(work.toString(), added.path("dirs").get(0).asText(), added.toString());
    assertTrue(call("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"bot\",\"secret\":\"s\",\"cwd\":" + cwd + "}")
        .path("ok").asBoolean());
    assertTrue(call("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"me\",\"secret\":\"s\"}").path("ok").asBoolean());
    assertEquals("me", call("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}").path("username").asText(), "an old client");
    assertEquals("bot", call("{\"v\":1,\"op\":\"get\",\"server\":\"r\",\"cwd\":" + cwd + "}").path("username").asText());
    assertEquals("bot", call("{\"v\":1,\"op\":\"get\",\"server\":\"r\",\"profile\":\"work\"}").path("username").asText());
    JsonNode which = call("{\"v\":1,\"op\":\"profile_which\",\"cwd\":" + cwd + "}");
    assertEquals("work", which.path("profile").asText(), which.toString());
    JsonNode list = call("{\"v\":1,\"op\":\"list\",\"all_profiles\":\"true\"}");
    assertEquals("me", list.path("credentials").path("r").asText(), "credentials: the default profile's, as before");
    assertEquals(2, list.path("profile_credentials").size(), list.toString());
    JsonNode unknown = call("{\"v\":1,\"op\":\"get\",\"server\":\"r\",\"profile\":\"wrok\"}");
    assertEquals("bad_request", code(unknown));
    assertTrue(unknown.path("error").path("message").asText().contains("default, work"), unknown.toString());
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"list\",\"profile\":\"wrok\"}")));
    assertEquals("bad_request", code(call("{\"v\":1,\"op\":\"profile_remove\",\"name\":\"work\"}")), "it holds a login");
    assertEquals(1, call("{\"v\":1,\"op\":\"profile_remove\",\"name\":\"work\",\"erase\":\"true\"}").path("erased").asInt());
    assertEquals(0, call("{\"v\":1,\"op\":\"profile_list\"}").path("profiles").size());
  }

  /**
   * {@code credagent list} (every profile's, in one request) is one audit line, as one request is:
   * it was one line for the default profile's and one more for each profile's, two with no profile.
   */
  @Test
  void aListOfEveryProfileIsOneRequestAndOneAuditLine() throws Exception {
    Path auditFile = home.resolve("audit.log");
    CredentialService service = unlockedServiceAuditingTo(new Vault(home.resolve("listed-vault"), TestKdf.CHEAP), auditFile);
    ProtocolCodec audited = codecOver(service);
    Path work = Files.createDirectories(home.resolve("work")).toRealPath();
    String cwd = JSON.writeValueAsString(work.toString());
    allOk(audited, "{\"v\":1,\"op\":\"profile_add\",\"name\":\"work\",\"dirs\":" + cwd + "}",
        "{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"bot\",\"secret\":\"s\",\"cwd\":" + cwd + "}",
        "{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"me\",\"secret\":\"s\"}");
    long before = listLines(service, auditFile);
    JsonNode list = JSON.readTree(audited.handle(ME, bytes("{\"v\":1,\"op\":\"list\",\"all_profiles\":\"true\"}")).join().toLine());
    assertEquals("me", list.path("credentials").path("r").asText(), list.toString());
    List<String> every = new ArrayList<>();
    list.path("profile_credentials").forEach(entry -> every.add(entry.path("profile").asText() + " "
        + entry.path("server").asText() + " " + entry.path("username").asText()));
    assertEquals(List.of("default r me", "work r bot"), every, list.toString());
    assertEquals(1, listLines(service, auditFile) - before, "one request, one line");
  }

  /**
   * The one-request list of every profile at its hostile edges: a share client asking for it (and
   * naming another profile) gets its own credentials only, nothing of the profiles; {@code profile}
   * with it answers that profile's as {@code credentials}; an erased credential is in neither; a
   * locked vault is refused as before, {@code locked}; each request one audit line.
   */
  @Test
  void aListOfEveryProfileGivesAShareOnlyItsOwnAndALockedVaultOneRefusal() throws Exception {
    Path auditFile = home.resolve("audit.log");
    CredentialService service = unlockedServiceAuditingTo(new Vault(home.resolve("edge-vault"), TestKdf.CHEAP), auditFile);
    ProtocolCodec audited = codecOver(service);
    Path work = Files.createDirectories(home.resolve("work")).toRealPath();
    String cwd = JSON.writeValueAsString(work.toString());
    allOk(audited, "{\"v\":1,\"op\":\"profile_add\",\"name\":\"work\",\"dirs\":" + cwd + "}",
        "{\"v\":1,\"op\":\"store\",\"server\":\"ghcr.io\",\"username\":\"BOT\",\"secret\":\"s\",\"cwd\":" + cwd + "}",
        "{\"v\":1,\"op\":\"store\",\"server\":\"gone.example\",\"username\":\"OLD\",\"secret\":\"s\",\"cwd\":" + cwd + "}",
        "{\"v\":1,\"op\":\"erase\",\"server\":\"gone.example\",\"cwd\":" + cwd + "}",
        "{\"v\":1,\"op\":\"store\",\"server\":\"quay.io\",\"username\":\"ME\",\"secret\":\"s\"}");
    Caller share = new Caller(1000, 4242, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io")), "work"));
    String every = "{\"v\":1,\"op\":\"list\",\"all_profiles\":\"true\"";
    for (String line : List.of(every + "}", every + ",\"profile\":\"default\"}")) {
      long before = listLines(service, auditFile);
      JsonNode listed = JSON.readTree(audited.handle(share, bytes(line)).join().toLine());
      assertEquals("{\"ghcr.io\":\"BOT\"}", listed.path("credentials").toString(), listed.toString());
      assertFalse(listed.has("profile_credentials") || listed.has("profile"), listed.toString());
      assertFalse(listed.toString().contains("ME") || listed.toString().contains("work"), listed.toString());
      assertEquals(1, listLines(service, auditFile) - before, line);
    }
    JsonNode named = JSON.readTree(audited.handle(ME, bytes(every + ",\"profile\":\"work\"}")).join().toLine());
    assertEquals("work", named.path("profile").asText(), named.toString());
    assertEquals("{\"ghcr.io\":\"BOT\"}", named.path("credentials").toString(), "the named profile's own: " + named);
    assertEquals(2, named.path("profile_credentials").size(), "the erased one in no profile: " + named);
    assertEquals("bad_request", code(JSON.readTree(audited.handle(ME, bytes(every + ",\"profile\":\"nope\"}")).join()
        .toLine())));
    service.lock(ME);
    long before = listLines(service, auditFile);
    JsonNode locked = JSON.readTree(audited.handle(ME, bytes(every + "}")).join().toLine());
    assertEquals("locked", code(locked), locked.toString());
    assertFalse(locked.has("profile_credentials"), locked.toString());
    assertEquals(1, listLines(service, auditFile) - before, "a locked list is one refusal, one line");
  }

  /**
   * {@code list --erased} reads servers, usernames and who erased them, as {@code list} reads the
   * live ones: one audit line too, and while locked one refusal (counted as refused while locked).
   * It wrote none, locked or not: the erased list passed the gate and the trail by.
   */
  @Test
  void aListOfTheErasedIsAuditedAsAListIs() throws Exception {
    Path auditFile = home.resolve("audit.log");
    CredentialService service = unlockedServiceAuditingTo(new Vault(home.resolve("erased-vault"), TestKdf.CHEAP), auditFile);
    ProtocolCodec audited = codecOver(service);
    allOk(audited, "{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"OLD\",\"secret\":\"s\"}",
        "{\"v\":1,\"op\":\"erase\",\"server\":\"r\"}");
    String erased = "{\"v\":1,\"op\":\"list\",\"erased\":\"true\"}";
    long before = listLines(service, auditFile);
    JsonNode listed = JSON.readTree(audited.handle(ME, bytes(erased)).join().toLine());
    assertEquals("OLD", listed.path("erased").path(0).path("username").asText(), listed.toString());
    assertEquals(1, listLines(service, auditFile) - before, "the erased list read usernames unaudited");
    service.lock(ME);
    before = listLines(service, auditFile);
    assertEquals("locked", code(JSON.readTree(audited.handle(ME, bytes(erased)).join().toLine())));
    assertEquals(1, listLines(service, auditFile) - before, "a locked erased list is one refusal, one line");
    assertEquals(1, service.refusedWhileLocked().count(), "counted among the refusals while locked");
  }

  /**
   * {@code list --profile NAME} on a locked vault is refused as {@code list} is: one audit line,
   * counted among the refusals while locked. The codec looked the name up in the profile table
   * first, which a locked vault refuses, so the refusal passed the trail by.
   */
  @Test
  void aLockedListOfANamedProfileIsAuditedAsALockedListIs() throws Exception {
    Path auditFile = home.resolve("audit.log");
    CredentialService service = unlockedServiceAuditingTo(new Vault(home.resolve("named-vault"), TestKdf.CHEAP), auditFile);
    ProtocolCodec audited = codecOver(service);
    String cwd = JSON.writeValueAsString(Files.createDirectories(home.resolve("work")).toRealPath().toString());
    allOk(audited, "{\"v\":1,\"op\":\"profile_add\",\"name\":\"work\",\"dirs\":" + cwd + "}");
    service.lock(ME);
    long before = listLines(service, auditFile);
    int refused = 0;
    // The log writes the first of identical refusals and counts the repeats: the count tells the second.
    for (String line : List.of("{\"v\":1,\"op\":\"list\",\"profile\":\"work\"}",
        "{\"v\":1,\"op\":\"list\",\"profile\":\"work\",\"all_profiles\":\"true\"}")) {
      assertEquals("locked", code(JSON.readTree(audited.handle(ME, bytes(line)).join().toLine())), line);
      assertEquals(++refused, service.refusedWhileLocked().count(), "counted among the refusals while locked: " + line);
    }
    assertEquals(1, listLines(service, auditFile) - before, "a locked list is a refusal in the audit log");
  }

  /** The codec over {@code service}, as the daemon makes it for its socket. */
  private ProtocolCodec codecOver(CredentialService service) {
    return new ProtocolCodec(service, new DaemonInfo(home.resolve("agent.sock"), home, 1234, Instant.now()), () -> { });
  }

  /** Each of {@code lines} asked of {@code codec} by ME, and answered ok. */
  private static void allOk(ProtocolCodec codec, String... lines) throws Exception {
    for (String line : lines) {
      assertTrue(JSON.readTree(codec.handle(ME, bytes(line)).join().toLine()).path("ok").asBoolean(), line);
    }
  }

  private static long listLines(CredentialService service, Path auditFile) throws Exception {
    service.beforeAnswersLeave();
    return Files.readString(auditFile).lines().filter(l -> l.contains("\"op\":\"list\"")).count();
  }

  /** A service over {@code vault}, unlocked, whose audit log is {@code auditFile}. */
  private static CredentialService unlockedServiceAuditingTo(Vault vault, Path auditFile) throws Exception {
    CredentialService service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run, Runnable::run,
        null, () -> AgentConfig.DEFAULTS, new AuditLog(auditFile, 1 << 20, new TestClock()));
    service.unlock(ME, TestKdf.secret("pw")).join();
    return service;
  }
}
