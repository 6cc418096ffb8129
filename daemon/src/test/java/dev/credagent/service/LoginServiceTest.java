package dev.credagent.service;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.credagent.audit.AuditLog;
import dev.credagent.caller.Caller;
import dev.credagent.caller.ShareScope;
import dev.credagent.config.AgentConfig;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.RegistryHttp;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.registry.RegistryProxy;
import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * credagent login through the service, against a registry on 127.0.0.1 that asks for Basic
 * authentication (the JDK's HTTP server: /v2/ answers 401 with its challenge, 200 to alice's right
 * password). Stored only once the registry said yes; a refused login leaves what was there; what
 * a login replaces is kept as erased; and the checks before the network (a share, an empty or
 * overlong password, a hostile username, the lock) wipe the password and ask nothing of the registry.
 */
class LoginServiceTest {
  private static final Caller ME = new Caller(1000, ProcessHandle.current().pid());
  @TempDir Path home;
  private HttpServer registry;
  private final AtomicInteger asked = new AtomicInteger();
  private RegistryAddress address;
  private Path auditFile;
  private CredentialService service;

  @BeforeEach
  void setUp() throws Exception {
    registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String right = "Basic " + Base64.getEncoder().encodeToString("alice:right".getBytes(StandardCharsets.UTF_8));
    registry.createContext("/v2/", exchange -> {
      asked.incrementAndGet();
      boolean ok = right.equals(exchange.getRequestHeaders().getFirst("Authorization"));
      if (!ok) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test registry\"");
      }
      exchange.sendResponseHeaders(ok ? 200 : 401, -1);
      exchange.close();
    });
    registry.start();
    address = RegistryAddress.of("127.0.0.1:" + registry.getAddress().getPort(), true);
    auditFile = home.resolve("audit.log");
    TestClock clock = new TestClock();
    service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), clock, Runnable::run, Runnable::run,
        Runnable::run, new RegistryLogin(new RegistryHttp(List.of(), RegistryProxy.fromEnvironment(Map.of())), clock),
        () -> AgentConfig.DEFAULTS, new AuditLog(auditFile, 1 << 20, clock));
    service.unlock(ME, TestKdf.secret("pw")).join();
  }

  @AfterEach
  void tearDown() {
    registry.stop(0);
  }

  private CompletableFuture<String> login(Caller caller, String username, Secret password) {
    return service.logins().login(caller, address, address.key(), username, password);
  }

  private static Throwable failure(CompletableFuture<?> future) {
    return Async.cause(assertThrows(CompletionException.class, future::join));
  }

  private String secretOf(String server) {
    Credential credential = service.get(ME, RegistryReference.parse(server)).join();
    try {
      return credential.username() + ":" + new String(credential.secret().toChars());
    } finally {
      credential.secret().destroy();
    }
  }

  @Test
  void aLoginTheRegistryAcceptsIsStoredAndItsPasswordWiped() throws Exception {
    Secret password = TestKdf.secret("right");
    assertEquals("alice", login(ME, "alice", password).join());
    assertTrue(password.isDestroyed());
    assertEquals("alice:right", secretOf(address.key()));
    assertTrue(Files.readString(auditFile).contains("\"op\":\"login\""), Files.readString(auditFile));
  }

  @Test
  void aRefusedLoginStoresNothingAndLeavesWhatWasThere() throws Exception {
    Throwable refused = failure(login(ME, "alice", TestKdf.secret("wrong")));
    assertInstanceOf(LoginFailedException.class, refused);
    assertTrue(refused.getMessage().contains("the username or password is wrong"), refused.getMessage());
    assertFalse(refused.getMessage().contains("wrong\""), "the password is not echoed");
    assertInstanceOf(CredentialNotFoundException.class, failure(service.get(ME, RegistryReference.parse(address.key()))));

    login(ME, "alice", TestKdf.secret("right")).join();
    failure(login(ME, "alice", TestKdf.secret("wrong")));
    assertEquals("alice:right", secretOf(address.key()), "a failed login is no logout");
  }

  @Test
  void whatALoginReplacesIsKeptAsErasedAndSaidSo() throws Exception {
    service.store(ME, address.key(), new Credential("old-user", TestKdf.secret("old-secret"))).join();
    login(ME, "alice", TestKdf.secret("right")).join();
    assertEquals("alice:right", secretOf(address.key()));
    assertTrue(Files.readString(auditFile).contains("replaced"), Files.readString(auditFile));
    service.erasure().restore(ME, address.key()).join();
    assertEquals("old-user:old-secret", secretOf(address.key()));
  }

  @Test
  void theChecksBeforeTheNetworkWipeThePasswordAndAskTheRegistryNothing() {
    Caller shared = new Caller(1000, ProcessHandle.current().pid(), new ShareScope("s", List.of()));
    Secret throughShare = TestKdf.secret("right");
    assertInstanceOf(ShareForbiddenException.class, failure(login(shared, "alice", throughShare)));
    Secret empty = TestKdf.secret("");
    assertInstanceOf(InvalidRequestException.class, failure(login(ME, "alice", empty)));
    Secret forged = TestKdf.secret("right");
    assertInstanceOf(InvalidRequestException.class, failure(login(ME, "alice\n2026-12-06 forged", forged)));
    Secret huge = TestKdf.secret("x".repeat(RequestLimits.MAX_SECRET_CHARS + 1));
    assertInstanceOf(InvalidRequestException.class, failure(login(ME, "alice", huge)));
    service.lock(ME);
    Secret locked = TestKdf.secret("right");
    assertInstanceOf(VaultLockedException.class, failure(login(ME, "alice", locked)));
    for (Secret secret : List.of(throughShare, empty, forged, huge, locked)) {
      assertTrue(secret.isDestroyed());
    }
    assertEquals(0, asked.get(), "the registry was asked nothing");
  }
}
