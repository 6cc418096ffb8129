package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import dev.credagent.caller.ShareScope;
import dev.credagent.caller.Caller;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.audit.AuditLog;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profiles through the service: where stores, gets, erases and lists land, and what survives a lock. */
class ProfilesTest {
  private static final Caller ME = new Caller(1000, 4242);
  @TempDir Path home;
  private Path work;
  private Path personal;
  private TestClock clock;
  private CredentialService service;

  @BeforeEach
  void setUp() throws Exception {
    work = Files.createDirectories(home.resolve("clients/acme")).toRealPath();
    personal = Files.createDirectories(home.resolve("src/mine")).toRealPath();
    clock = new TestClock();
    service = open();
    service.unlock(ME, TestKdf.secret("pw")).join();
    service.profiles().add(ME, "work", List.of(work.toString())).join();
  }

  private CredentialService open() {
    return new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock, Runnable::run, Runnable::run,
        Runnable::run, null, () -> AgentConfig.DEFAULTS, new AuditLog(home.resolve("audit.log"), 1 << 20, clock));
  }

  private Caller in(Path dir) {
    return ME.at(dir.toString(), null);
  }

  private void store(Caller caller, String server, String user) {
    service.store(caller, server, new Credential(user, TestKdf.secret(user + "-secret"))).join();
  }

  private String user(Caller caller, String server) {
    return service.get(caller, RegistryReference.parse(server)).join().username();
  }

  @Test
  void aStoreInABoundDirectoryLandsInItsProfileAndTheDefaultKeepsItsOwn() throws Exception {
    store(in(personal), "ghcr.io", "me");
    store(in(work.resolve(".")), "ghcr.io", "bot");
    assertEquals("me", user(in(personal), "ghcr.io"));
    assertEquals("bot", user(in(work), "ghcr.io"));
    assertEquals("me", user(ME, "ghcr.io"), "a client that sends no cwd (an old one) is the default profile");
    assertEquals(Map.of("ghcr.io", "me"), Map.copyOf(service.list(ME, "default")));
    assertEquals(Map.of("ghcr.io", "bot"), Map.copyOf(service.list(ME, "work")));
    service.erasure().erase(ME, "ghcr.io", false).join();
    assertEquals(1, service.status().credentials(), "status counts every profile's, never the erased ones");
  }

  @Test
  void aProfileInheritsTheDefaultsLoginsItHasNoneOf() throws Exception {
    store(ME, "quay.io", "me");
    store(ME, "*.example.com", "pattern-me");
    assertEquals("me", user(in(work), "quay.io"));
    assertEquals("pattern-me", user(in(work), "r.example.com"));
    store(in(work), "*.example.com", "pattern-bot");
    assertEquals("pattern-bot", user(in(work), "r.example.com"), "the profile's own pattern first");
  }

  @Test
  void anEraseInAProfileErasesOnlyItsOwnAndNeverFallsToTheDefault() throws Exception {
    store(ME, "ghcr.io", "me");
    store(in(work), "ghcr.io", "bot");
    service.erasure().erase(in(work), "ghcr.io", false).join();
    assertEquals("me", user(in(work), "ghcr.io"), "the default's is served again");
    CompletionException none = assertThrows(CompletionException.class,
        () -> service.erasure().erase(in(work), "ghcr.io", false).join());
    assertInstanceOf(CredentialNotFoundException.class, Async.cause(none), "the default's is not the work profile's to erase");
    assertEquals("me", user(ME, "ghcr.io"));
    List<ErasedCredential> erased = service.erasure().list(ME);
    assertEquals(1, erased.size());
    assertEquals("work", erased.getFirst().profile());
    assertEquals("ghcr.io", erased.getFirst().server());
    service.erasure().restore(in(work), "ghcr.io").join();
    assertEquals("bot", user(in(work), "ghcr.io"), "restored into the profile it was erased from");
  }

  @Test
  void theEnvironmentsProfileWinsOverTheDirectoryAndAnUnknownOneIsAnErrorNotTheDefault() throws Exception {
    store(ME.at(personal.toString(), "work"), "ghcr.io", "bot");
    assertEquals(Map.of("ghcr.io", "bot"), Map.copyOf(service.list(ME, "work")));
    CompletionException unknown = assertThrows(CompletionException.class,
        () -> service.store(ME.at(work.toString(), "wrok"), "ghcr.io", new Credential("x", TestKdf.secret("x"))).join());
    assertInstanceOf(UnknownProfileException.class, Async.cause(unknown));
    assertTrue(Async.cause(unknown).getMessage().contains("default, work"), Async.cause(unknown).getMessage());
    assertThrows(CompletionException.class, () -> service.get(ME.at(null, "wrok"), RegistryReference.parse("ghcr.io")).join());
    assertEquals(Map.of("ghcr.io", "bot"), Map.copyOf(service.list(ME, "work")), "nothing stored anywhere");
    assertTrue(service.list(ME, "default").isEmpty());
  }

  @Test
  void profilesAndTheirCredentialsSurviveALockAndANewDaemon() throws Exception {
    store(in(work), "ghcr.io", "bot");
    service.lock(ME);
    service = open(); // the files as a kill -9 left them: every acknowledged change is on disk
    service.unlock(ME, TestKdf.secret("pw")).join();
    assertEquals(List.of(work), service.profiles().list(ME).get("work"));
    Files.createDirectories(work.resolve("sub"));
    assertEquals("bot", user(in(work.resolve("sub/..")), "ghcr.io"));
  }

  @Test
  void aVaultFromBeforeProfilesOpensAsTheDefaultProfileAlone() throws Exception {
    Path old = home.resolve("old");
    Files.createDirectories(old);
    Vault before = new Vault(old.resolve("vault"), TestKdf.CHEAP); // the vault API and format as they were: unchanged
    before.unlock(TestKdf.secret("pw"));
    before.store("ghcr.io", new Credential("me", TestKdf.secret("s")));
    before.putSource("quay.io", "{\"exec\":[\"true\"]}");
    before.lock();
    CredentialService opened = new CredentialService(new Vault(old.resolve("vault"), TestKdf.CHEAP), clock,
        Runnable::run, Runnable::run);
    opened.unlock(ME, TestKdf.secret("pw")).join();
    assertEquals(List.of("default"), opened.profiles().table().names());
    assertEquals("me", opened.get(in(work), RegistryReference.parse("ghcr.io")).join().username());
    assertEquals(Map.of("ghcr.io", "me"), Map.copyOf(opened.list(ME)));
    assertEquals(List.of("quay.io"), List.copyOf(opened.sources().list(ME).keySet()));
  }

  @Test
  void removeRefusesWhileCredentialsRemainAndEraseKeepsThemAsErased() throws Exception {
    store(in(work), "ghcr.io", "bot");
    CompletionException refused = assertThrows(CompletionException.class,
        () -> service.profiles().remove(ME, "work", false, service.erasure()).join());
    assertTrue(Async.cause(refused).getMessage().contains("--erase"), Async.cause(refused).getMessage());
    assertEquals(1, service.profiles().remove(ME, "work", true, service.erasure()).join());
    assertEquals(List.of("default"), service.profiles().table().names());
    assertTrue(service.list(ME, "work").isEmpty());
    assertEquals("work", service.erasure().list(ME).getFirst().profile());
    assertThrows(CompletionException.class, () -> service.get(in(work), RegistryReference.parse("ghcr.io")).join(), "nothing left to serve");
    assertThrows(CompletionException.class, () -> service.profiles().remove(ME, "default", true, service.erasure()).join());
  }

  @Test
  void noClientCanNameAnotherProfilesKeyAsAServer() throws Exception {
    store(in(work), "ghcr.io", "bot");
    String forged = "\u0003work\u0003ghcr.io";
    assertThrows(CompletionException.class, () -> service.get(ME, RegistryReference.parse(forged)).join());
    assertThrows(CompletionException.class, () -> service.erasure().erase(ME, forged, false).join());
    assertThrows(CompletionException.class, () -> store(ME, forged, "mallory"));
    assertEquals("bot", user(in(work), "ghcr.io"));
  }

  @Test
  void aDirectoryBoundTwiceOrMissingIsRefusedAtAdd() throws Exception {
    assertThrows(CompletionException.class, () -> service.profiles().add(ME, "other", List.of(work.toString())).join());
    assertThrows(CompletionException.class,
        () -> service.profiles().add(ME, "other", List.of(home.resolve("missing").toString())).join());
    assertThrows(CompletionException.class, () -> service.profiles().add(ME, "other", List.of("relative/dir")).join());
    assertEquals(List.of("default", "work"), service.profiles().table().names());
  }

  @Test
  void aSharesProfileIsFixedWhenMadeWhateverItsClientSends() throws Exception {
    store(ME, "ghcr.io", "me");
    store(in(work), "ghcr.io", "bot");
    ShareScope workShare = new ShareScope("w", List.of(RegistryPattern.parse("ghcr.io")), "work");
    ShareScope plain = new ShareScope("p", List.of(RegistryPattern.parse("ghcr.io")));
    Caller throughWork = new Caller(1000, 1, workShare).at(personal.toString(), "default");
    Caller throughPlain = new Caller(1000, 1, plain).at(work.toString(), "work");
    assertEquals("bot", user(throughWork, "ghcr.io"));
    assertEquals("me", user(throughPlain, "ghcr.io"), "the client's cwd and CREDAGENT_PROFILE choose nothing");
    assertEquals(Map.of("ghcr.io", "bot"), Map.copyOf(service.list(throughWork, "default")));
  }

  /**
   * A share fixed to a profile serves, by get, the default profile's logins that profile inherits;
   * its helper's list named only the profile's own, so a client that lists before it asks (podman
   * login's check, a credential manager's picker) saw nothing where get served a login.
   */
  @Test
  void aSharesListNamesWhatItsGetServesInheritedLoginsToo() throws Exception {
    store(ME, "quay.io", "me"); // the default's only: inherited by work
    store(ME, "registry.example.com", "outside"); // inherited, but outside the share
    store(in(work), "ghcr.io", "bot");
    Caller through = new Caller(1000, 1, new ShareScope("w", List.of(RegistryPattern.parse("ghcr.io"),
        RegistryPattern.parse("quay.io")), "work"));
    assertEquals("me", user(through, "quay.io"), "get serves the inherited login");
    assertEquals(Map.of("ghcr.io", "bot", "quay.io", "me"), Map.copyOf(service.visible(through)),
        "the list names what get serves, and no more");
  }

  /** The helper's list in a profile is one request: it read the default's list and the profile's, two audit lines. */
  @Test
  void theHelpersListInAProfileIsOneAuditLineNamingBothProfilesLogins() throws Exception {
    store(ME, "quay.io", "me");
    store(in(work), "ghcr.io", "bot");
    service.beforeAnswersLeave();
    long before = Files.readAllLines(home.resolve("audit.log")).stream().filter(line -> line.contains("\"op\":\"list\"")).count();
    assertEquals(Map.of("ghcr.io", "bot", "quay.io", "me"), Map.copyOf(service.visible(in(work))));
    service.beforeAnswersLeave();
    long after = Files.readAllLines(home.resolve("audit.log")).stream().filter(line -> line.contains("\"op\":\"list\"")).count();
    assertEquals(1, after - before, "one list, one audit line");
  }

  @Test
  void theAuditLineNamesTheProfileAndWhyACwdWasNotJudged() throws Exception {
    store(in(work), "ghcr.io", "bot");
    service.get(in(work), RegistryReference.parse("ghcr.io")).join();
    service.get(ME.at("relative", null), RegistryReference.parse("quay.io")).exceptionally(none -> null).join();
    service.beforeAnswersLeave();
    List<String> lines = Files.readAllLines(home.resolve("audit.log"));
    assertTrue(lines.stream().anyMatch(line -> line.contains("\"op\":\"get\"") && line.contains("\"key\":\"work:ghcr.io\"")
        && line.contains("\"profile\":\"work\"")), String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(line -> line.contains("\"server\":\"quay.io\"")
        && line.contains("\"profile\":\"default (the working directory sent is not an absolute path)\"")), String.join("\n", lines));
    assertFalse(String.join("\n", lines).contains("bot-secret"));
  }

  /** An erase or a restore in a profile's directory looked exactly like one in the default profile. */
  @Test
  void anEraseAndARestoreSayWhichProfileTheyWereMadeIn() throws Exception {
    store(in(work), "ghcr.io", "bot");
    service.erasure().erase(in(work), "ghcr.io", false).join();
    service.erasure().restore(in(work), "ghcr.io").join();
    service.beforeAnswersLeave();
    List<String> lines = Files.readAllLines(home.resolve("audit.log"));
    for (String op : List.of("erase", "restore")) {
      assertTrue(lines.stream().anyMatch(line -> line.contains("\"op\":\"" + op + "\"") && line.contains("\"profile\":\"work\"")),
          op + ": " + String.join("\n", lines));
    }
  }

  @Test
  void aDirectoryWithALineBreakIsRefusedAndBindsNothingElse() throws Exception {
    Path other = Files.createDirectories(home.resolve("other")).toRealPath();
    // It exists: bound, its two lines would have bound HOME/x and, on the next line, OTHER.
    Files.createDirectories(Path.of(home + "/x\n" + other));
    for (String dir : List.of(home + "/x\n" + other, other + "\r", other + "/\u001b]0;t\u0007")) {
      CompletionException refused = assertThrows(CompletionException.class,
          () -> service.profiles().add(ME, "evil", List.of(dir)).join());
      assertInstanceOf(InvalidRequestException.class, Async.cause(refused));
      assertEquals(ProfileTable.CONTROL_CHARACTER, Async.cause(refused).getMessage());
    }
    // A plain name that is a symlink to a directory named with a line break: its real path is refused too.
    Path broken = Files.createDirectories(home.resolve("a\n" + other));
    Path link = Files.createSymbolicLink(home.resolve("link"), broken);
    CompletionException viaLink = assertThrows(CompletionException.class,
        () -> service.profiles().add(ME, "evil", List.of(link.toString())).join());
    assertEquals(ProfileTable.CONTROL_CHARACTER, Async.cause(viaLink).getMessage());
    assertFalse(service.profiles().table().has("evil"));
    assertEquals("default", service.profiles().table().choose(other.toString(), null).name(), "nothing bound " + other);
  }

  @Test
  void aShareWhoseProfileWasRemovedSaysSoAndNamesNoProfile() throws Exception {
    Path sp = Files.createDirectories(home.resolve("sp")).toRealPath();
    service.profiles().add(ME, "sp", List.of(sp.toString())).join();
    Caller through = new Caller(1000, 1, new ShareScope("s", List.of(RegistryPattern.parse("ghcr.io")), "sp")).at(null, null);
    service.profiles().remove(ME, "sp", false, service.erasure()).join();
    Throwable refused = assertThrows(Throwable.class, () -> service.get(through, RegistryReference.parse("ghcr.io")).join());
    Throwable cause = refused instanceof CompletionException ? Async.cause(refused) : refused;
    assertInstanceOf(UnknownProfileException.class, cause);
    assertEquals("the profile this share answers in was removed; ask its owner for a new share", cause.getMessage());
    assertFalse(cause.getMessage().contains("work") || cause.getMessage().contains("default"));
  }
}
