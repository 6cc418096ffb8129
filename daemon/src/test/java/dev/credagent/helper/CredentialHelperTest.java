package dev.credagent.helper;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import java.util.concurrent.CompletableFuture;
import dev.credagent.service.TestClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.registry.RegistryPattern;
import java.nio.file.Files;
import java.util.List;
import dev.credagent.service.CredentialService;
import dev.credagent.transport.RelayReply;
import java.time.Clock;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialHelperTest {
  @TempDir Path home;
  private Vault vault;
  private CredentialService service;
  private CredentialHelper helper;

  @BeforeEach
  void unlocked() throws Exception {
    vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    vault.unlock(TestKdf.secret("pw"));
    service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run);
    helper = new CredentialHelper(service);
  }

  private String call(String action, String input) {
    return call(new Caller(1000, 4242), action, input);
  }

  private String call(Caller caller, String action, String input) {
    RelayReply reply = helper.handle(caller, action, input.getBytes(StandardCharsets.UTF_8)).join();
    return reply.exitCode() + ":" + new String(reply.output(), StandardCharsets.UTF_8);
  }

  @Test
  void storeThenGetAnswersAsGoEncodesIt() {
    assertEquals("0:", call("store", "{\"ServerURL\":\"https://r.example/v1/\",\"Username\":\"u\",\"Secret\":\"a<b>&c\\u2028\"}\n"));
    assertEquals("0:{\"ServerURL\":\"https://r.example/v1/\",\"Username\":\"u\",\"Secret\":\"a\\u003cb\\u003e\\u0026c\\u2028\"}\n",
        call("get", "  https://r.example/v1/ \n"));
  }

  /**
   * A get answered from memory, found or not, is a done future when handle returns (the fast path
   * sends it without Netty), its input already wiped: the stages that wiped it are no longer made
   * for an answer known at once.
   */
  @Test
  void aGetAnsweredFromMemoryIsDoneAtOnceWithItsInputWiped() {
    call("store", "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s3cret\"}");
    for (String server : List.of("r.example", "nowhere.example")) {
      byte[] input = server.getBytes(StandardCharsets.UTF_8);
      CompletableFuture<RelayReply> reply = helper.handle(new Caller(1000, 4242), "get", input);
      assertTrue(reply.isDone(), server);
      assertFalse(reply.isCompletedExceptionally(), "a failure is an answer too: " + server);
      assertArrayEquals(new byte[input.length], input, "wiped: " + server);
    }
  }

  @Test
  void notFoundIsTheTextDockerCompares() {
    assertEquals("1:credentials not found in native keychain\n", call("get", "nowhere.example"));
  }

  @Test
  void anEraseOfWhatIsNotThereIsDoneSoThatPodmanDoesNotOverflowItsStack() {
    assertEquals("0:", call("erase", "nowhere.example"));
  }

  @Test
  void upstreamErrorsWordForWord() {
    assertEquals("1:no credentials server URL\n", call("get", " \n"));
    assertEquals("1:no credentials server URL\n", call("erase", ""));
    assertEquals("1:no credentials server URL\n", call("store", "{\"Username\":\"u\",\"Secret\":\"s\"}"));
    assertEquals("1:no credentials username\n", call("store", "{\"ServerURL\":\"r\",\"Secret\":\"s\"}"));
    assertEquals("1:Usage: docker-credential-agent <store|get|erase|list|version>\n", call("frobnicate", ""));
  }

  @Test
  void invalidJsonIsOneLine() {
    String reply = call("store", "{\"ServerURL\":\n\"r\",");
    assertEquals("1:invalid JSON", reply.substring(0, 14));
    assertEquals(1, reply.lines().count());
  }

  @Test
  void fieldNamesMatchWithoutCaseAndUnknownOnesAreIgnoredAsGoDoes() {
    assertEquals("0:", call("store", "{\"serverurl\":\"r\",\"USERNAME\":\"u\",\"secret\":\"s\",\"Extra\":{\"x\":[1]}}"));
    assertEquals("0:{\"ServerURL\":\"r\",\"Username\":\"u\",\"Secret\":\"s\"}\n", call("get", "r"));
  }

  @Test
  void anIdentityTokenUnderTheTokenUsernameRoundTrips() {
    call("store", "{\"ServerURL\":\"r\",\"Username\":\"<token>\",\"Secret\":\"eyJ.refresh\"}");
    assertEquals("0:{\"ServerURL\":\"r\",\"Username\":\"\\u003ctoken\\u003e\",\"Secret\":\"eyJ.refresh\"}\n", call("get", "r"));
  }

  @Test
  void listIsServerToUsernameAndEmptyIsAnEmptyObject() {
    assertEquals("0:{}\n", call("list", ""));
    call("store", "{\"ServerURL\":\"r1\",\"Username\":\"a\",\"Secret\":\"s\"}");
    call("store", "{\"ServerURL\":\"r1\",\"Username\":\"b\",\"Secret\":\"t\"}");
    assertEquals("0:{\"r1\":\"b\"}\n", call("list", ""));
  }

  @Test
  void aLockedVaultSaysLockedAndHowToUnlock() {
    vault.lock();
    assertEquals("1:the credagent vault is locked; run `credagent unlock`\n", call("get", "r"));
    assertEquals("1:the credagent vault is locked; run `credagent unlock`\n",
        call("store", "{\"ServerURL\":\"r\",\"Username\":\"u\",\"Secret\":\"s\"}"));
  }

  @Test
  void versionIsOneLine() {
    assertEquals("0:docker-credential-agent (credagent) ", call("version", "").replaceAll("[^ ]+\\n$", ""));
  }

  @Test
  void malformedUtf8AndMalformedJsonAreRefusedWithoutEchoingTheInput() throws Exception {
    byte[] overlong = {'r', 'e', 'g', (byte) 0xc0, (byte) 0xaf};
    String refused = HelperRequest.class.getSimpleName();
    org.junit.jupiter.api.Assertions.assertTrue(
        org.junit.jupiter.api.Assertions.assertThrows(HelperException.class, () -> HelperRequest.parseServerUrl(overlong))
            .getMessage().contains("not valid UTF-8 (at byte 3)"), refused);
    HelperException echo = org.junit.jupiter.api.Assertions.assertThrows(HelperException.class, () -> HelperRequest.parseStore(
        "{\"ServerURL\":\"r\",\"Username\":\"u\",\"Secret\":hunter2hunter2}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    org.junit.jupiter.api.Assertions.assertFalse(echo.getMessage().contains("hunter2"), echo.getMessage());
    org.junit.jupiter.api.Assertions.assertTrue(echo.getMessage().startsWith("invalid JSON: "), echo.getMessage());
  }

  /**
   * A lone UTF-16 surrogate (a JSON {@code \ud800} escape without its pair) cannot be given back
   * as stored: the answer's Jackson path took a lone high one and the character after it for a
   * pair ("s\ud800x" came back as "s" + U+10078), and Go's client reads a lone escape as U+FFFD.
   * So the store is refused, in each field, naming no value; what was stored before is kept, and a
   * paired surrogate (an emoji) still goes through.
   */
  @Test
  void aStoreWithALoneSurrogateIsRefusedAndWhatWasStoredStays() {
    assertEquals("0:", call("store", "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"before\"}"));
    for (String json : List.of(
        "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s\\ud800x\"}",
        "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s\\udc00\\ud800\"}",
        "{\"ServerURL\":\"r.example\",\"Username\":\"u\\udbffz\",\"Secret\":\"s\"}",
        "{\"ServerURL\":\"r.example/a\\ud800x\",\"Username\":\"u\",\"Secret\":\"s\"}")) {
      String answer = call("store", json);
      assertTrue(answer.startsWith("1:") && answer.contains("lone UTF-16 surrogate"), json + " -> " + answer);
      assertFalse(answer.contains("s\\ud") || answer.contains("\ud800") || answer.contains("\udc00"), answer);
    }
    assertEquals("0:{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"before\"}\n", call("get", "r.example"));
    assertEquals("0:{\"r.example\":\"u\"}\n", call("list", ""), "nothing else stored");
    assertEquals("0:", call("store", "{\"ServerURL\":\"r.example\",\"Username\":\"u\\ud83d\\ude00\",\"Secret\":\"\\ud83d\\ude00\"}"));
    assertEquals("0:{\"ServerURL\":\"r.example\",\"Username\":\"u\ud83d\ude00\",\"Secret\":\"\ud83d\ude00\"}\n",
        call("get", "r.example"));
  }

  /**
   * At the helper's door, through a share fixed to a profile: its list names the logins its get
   * serves, those the profile inherits from the default one too, and none outside the share.
   */
  @Test
  void throughAShareOfAProfileTheHelpersListNamesWhatItsGetServes() throws Exception {
    Caller owner = new Caller(1000, 4242);
    Path work = Files.createDirectories(home.resolve("work")).toRealPath();
    service.profiles().add(owner, "work", List.of(work.toString())).join();
    assertEquals("0:", call(owner, "store", "{\"ServerURL\":\"quay.io\",\"Username\":\"INHERITED\",\"Secret\":\"s\"}"));
    assertEquals("0:", call(owner, "store", "{\"ServerURL\":\"elsewhere.example\",\"Username\":\"OUT\",\"Secret\":\"s\"}"));
    assertEquals("0:", call(owner.at(work.toString(), null), "store",
        "{\"ServerURL\":\"ghcr.io\",\"Username\":\"BOT\",\"Secret\":\"s\"}"));
    Caller share = new Caller(1000, 4242, new ShareScope("w", List.of(RegistryPattern.parse("ghcr.io"),
        RegistryPattern.parse("quay.io")), "work"));
    assertEquals("0:{\"ghcr.io\":\"BOT\",\"quay.io\":\"INHERITED\"}\n", call(share, "list", ""));
    assertTrue(call(share, "get", "quay.io").contains("\"Username\":\"INHERITED\""));
    assertEquals("1:credentials not found in native keychain\n", call(share, "get", "elsewhere.example"));
  }
  /**
   * A share never erases, whatever it names: a pattern's key, or a name never stored, was answered
   * done ("0:") through a share, before the gate and with no audit line, while a stored server was
   * forbidden. Now each is forbidden and audited, the pattern left as it was.
   */
  @Test
  void throughAShareTheHelpersEraseIsForbiddenAndAuditedForAPatternAndANameNeverStoredToo() throws Exception {
    Path audit = home.resolve("audit.log");
    service = new CredentialService(vault, new TestClock(), Runnable::run, Runnable::run, Runnable::run, null,
        () -> dev.credagent.config.AgentConfig.DEFAULTS, new dev.credagent.audit.AuditLog(audit, 1 << 20, new TestClock()));
    helper = new CredentialHelper(service);
    assertEquals("0:", call("store", "{\"ServerURL\":\"ghcr.io/org-c/\",\"Username\":\"ORG-C\",\"Secret\":\"s\"}"));
    Caller share = new Caller(1000, 4242, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io/org-c/"))));
    for (String server : List.of("ghcr.io/org-c/", "ghcr.io/org-c/app", "nothing-stored.example")) {
      String answer = call(share, "erase", server);
      assertTrue(answer.startsWith("1:") && answer.contains("never 'erase'"), server + ": " + answer);
    }
    assertTrue(call(share, "get", "ghcr.io/org-c/app").contains("\"Username\":\"ORG-C\""), "nothing was erased");
    List<String> erases = Files.readAllLines(audit).stream().filter(line -> line.contains("\"op\":\"erase\"")).toList();
    assertEquals(3, erases.size(), String.join("\n", erases));
    assertTrue(erases.stream().allMatch(line -> line.contains("\"share\":\"s\"") && line.contains("forbidden")), String.join("\n", erases));
  }
  /**
   * At the helper's door as at the JSON one, a share's store is forbidden before its input is read:
   * a store without its fields, or not JSON at all, was answered with what it lacked (so a share
   * client learnt the fields and the owner's log had no line of it).
   */
  @Test
  void throughAShareTheHelpersStoreIsForbiddenBeforeItsInputIsRead() {
    Caller share = new Caller(1000, 4242, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io"))));
    for (String input : List.of("{\"ServerURL\":\"ghcr.io\"}", "not json", "{\"ServerURL\":\"ghcr.io\",\"Username\":\"U\",\"Secret\":\"s\"}")) {
      String answer = call(share, "store", input);
      assertTrue(answer.startsWith("1:") && answer.contains("never 'store'"), input + ": " + answer);
    }
  }
}
