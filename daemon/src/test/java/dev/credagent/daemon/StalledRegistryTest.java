package dev.credagent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.registry.Exchange;
import dev.credagent.registry.RegistryAddress;
import dev.credagent.registry.auth.RegistryBusyException;
import dev.credagent.registry.auth.RegistryPlaces;
import dev.credagent.registry.auth.TokenAnswer;
import dev.credagent.registry.auth.TokenCache;
import dev.credagent.vault.Secret;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 29, item 15: 70 token fetches to a stalled registry held all 64 network threads, and a
 * healthy registry's token waited 26 s. Real servers on 127.0.0.1: one accepts and never answers,
 * the other answers at once; the fetches go through the daemon's own network threads.
 */
class StalledRegistryTest {
  @Test
  void aStalledRegistryHoldsOnlyItsOwnPlacesAndAHealthyOnesTokenComesAtOnce() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket stalled = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        ServerSocket healthy = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
      holdEveryConnection(stalled, held);
      answerEveryConnection(healthy, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\ntoken");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Exchange.DEADLINE).build();
      TokenCache tokens = new TokenCache(key -> {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + key.registry().key() + "/token?scope="
            + String.join(",", key.scopes()))).build();
        String body = new String(Exchange.send(client, request).body(), StandardCharsets.US_ASCII);
        return new TokenAnswer(Secret.adopt(body.toCharArray()), Clock.systemUTC().instant().plusSeconds(300), null);
      }, new NetworkThreads("test-network-"), Clock.systemUTC());

      RegistryAddress slow = RegistryAddress.of("127.0.0.1:" + stalled.getLocalPort(), true);
      List<CompletableFuture<TokenCache.Token>> waiting = new ArrayList<>();
      for (int i = 0; i < 70; i++) {
        waiting.add(tokens.get(new TokenCache.Key(slow, new TreeSet<>(List.of("repository:app" + i + ":pull")))));
      }
      long refusedAtOnce = waiting.stream().filter(CompletableFuture::isCompletedExceptionally).count();
      assertEquals(70 - RegistryPlaces.PER_REGISTRY, refusedAtOnce, "past its places, a request fails at once");
      Throwable busy = waiting.getLast().handle((token, failure) -> failure).join();
      assertInstanceOf(RegistryBusyException.class, busy instanceof java.util.concurrent.CompletionException ? busy.getCause() : busy);
      assertTrue(busy.getMessage().contains(slow.key()), busy.getMessage());

      RegistryAddress fine = RegistryAddress.of("127.0.0.1:" + healthy.getLocalPort(), true);
      TokenCache.Token token = tokens.get(new TokenCache.Key(fine, new TreeSet<>(List.of("repository:x:pull"))))
          .get(5, TimeUnit.SECONDS); // before: behind 64 stalled fetches, until their 30 s deadline
      assertTrue(token.token().contentEquals(Secret.adopt("token".toCharArray())));
    } finally {
      for (Socket socket : held) {
        socket.close(); // the stalled fetches end, and give their threads back
      }
    }
  }

  /** The same for logins, which share each registry's places with its token fetches. */
  @Test
  void aStalledRegistryHoldsOnlyItsOwnPlacesForLoginsToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home)
      throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket stalled = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        ServerSocket healthy = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
      holdEveryConnection(stalled, held);
      answerEveryConnection(healthy, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      Clock clock = Clock.systemUTC();
      dev.credagent.caller.Caller me = new dev.credagent.caller.Caller(1000, ProcessHandle.current().pid());
      dev.credagent.service.CredentialService service = new dev.credagent.service.CredentialService(
          new dev.credagent.vault.Vault(home.resolve("vault"), dev.credagent.vault.TestKdf.CHEAP), clock,
          Runnable::run, Runnable::run, new NetworkThreads("test-network-"),
          new dev.credagent.registry.RegistryLogin(dev.credagent.registry.RegistryHttp.fromEnvironment(java.util.Map.of()), clock),
          () -> dev.credagent.config.AgentConfig.DEFAULTS, dev.credagent.audit.AuditLog.NONE);
      service.unlock(me, dev.credagent.vault.TestKdf.secret("pw")).join();

      RegistryAddress slow = RegistryAddress.of("127.0.0.1:" + stalled.getLocalPort(), true);
      List<CompletableFuture<String>> waiting = new ArrayList<>();
      for (int i = 0; i < 70; i++) {
        waiting.add(service.logins().login(me, slow, slow.key(), "u" + i, dev.credagent.vault.TestKdf.secret("p")));
      }
      long refusedAtOnce = waiting.stream().filter(CompletableFuture::isCompletedExceptionally).count();
      assertEquals(70 - RegistryPlaces.PER_REGISTRY, refusedAtOnce, "past its places, a login fails at once");
      Throwable busy = waiting.getLast().handle((name, failure) -> failure).join();
      assertInstanceOf(RegistryBusyException.class, busy instanceof java.util.concurrent.CompletionException ? busy.getCause() : busy);

      RegistryAddress fine = RegistryAddress.of("127.0.0.1:" + healthy.getLocalPort(), true);
      assertEquals("alice", service.logins().login(me, fine, fine.key(), "alice", dev.credagent.vault.TestKdf.secret("pw"))
          .get(5, TimeUnit.SECONDS)); // before: behind 64 stalled logins, until their 30 s deadline
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  /** A registry that stalls: it takes every connection and never sends a byte back. */
  private static void holdEveryConnection(ServerSocket stalled, List<Socket> held) {
    Thread.ofVirtual().start(() -> {
      while (!stalled.isClosed()) {
        try {
          held.add(stalled.accept());
        } catch (java.io.IOException closed) {
          return;
        }
      }
    });
  }

  /** A healthy one: each connection's request read, {@code answer} sent, the connection closed. */
  private static void answerEveryConnection(ServerSocket healthy, String answer) {
    Thread.ofVirtual().start(() -> {
      while (!healthy.isClosed()) {
        try (Socket client = healthy.accept(); OutputStream out = client.getOutputStream()) {
          client.getInputStream().read(new byte[4096]);
          out.write(answer.getBytes(StandardCharsets.US_ASCII));
        } catch (java.io.IOException closed) {
          // the next one, or the end of the test
        }
      }
    });
  }
}
