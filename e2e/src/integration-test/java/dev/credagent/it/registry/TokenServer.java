package dev.credagent.it.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The registry token server a test needs (distribution's token auth spec), on 127.0.0.1: RS256
 * JWTs whose certificate the registry trusts; {@code GET /token} with basic auth (a refresh token
 * too when {@code offline_token=true}); {@code POST /token} with {@code grant_type=refresh_token}
 * or {@code password}, whose body skopeo sends chunked.
 */
public final class TokenServer implements AutoCloseable {
  public static final String ISSUER = "credagent-test-issuer";
  public static final String SERVICE = "credagent-test-registry";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final String user;
  private final String password;
  private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  private final Set<String> grantTypesSeen = ConcurrentHashMap.newKeySet();
  private volatile int postStatus;
  private volatile boolean rotating;
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> requestsByScope = new ConcurrentHashMap<>();

  private TokenServer(String user, String password) throws Exception {
    this.user = user;
    this.password = password;
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=" + ISSUER);
    Instant now = Instant.now();
    certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        name, BigInteger.valueOf(now.toEpochMilli()), java.util.Date.from(now.minusSeconds(3600)),
        java.util.Date.from(now.plusSeconds(86400)), name, keys.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/token", this::token);
    server.start();
  }

  public static TokenServer start(String user, String password) throws Exception {
    return new TokenServer(user, password);
  }

  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The PEM bundle the registry's {@code rootcertbundle} names. */
  public Path writeRootCertBundle(Path file) throws IOException {
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      writer.writeObject(certificate);
    }
    return Files.writeString(file, pem.toString());
  }

  public Set<String> grantTypesSeen() {
    return grantTypesSeen;
  }

  /** How many tokens were given for exactly this scope parameter. */
  public int tokensGivenFor(String scope) {
    java.util.concurrent.atomic.AtomicInteger count = requestsByScope.get(scope);
    return count == null ? 0 : count.get();
  }

  /**
   * Gives a new refresh token for every refresh grant and forgets the one sent, as servers that
   * rotate refresh tokens do (the spec lets them; the client must keep the newest).
   */
  public TokenServer rotatingRefreshTokens() {
    rotating = true;
    return this;
  }

  /** Answers every POST with {@code status}, as Harbor answers the OAuth form with 405. */
  public TokenServer refusingPostWith(int status) {
    postStatus = status;
    return this;
  }

  private void token(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> params = form(exchange.getRequestURI().getRawQuery());
      String subject;
      boolean offline = "true".equals(params.get("offline_token"));
      if ("POST".equals(exchange.getRequestMethod()) && postStatus != 0) {
        grantTypesSeen.add("refused POST");
        reply(exchange, postStatus, Map.of("errors", List.of(Map.of("code", "UNSUPPORTED"))));
        return;
      }
      if ("POST".equals(exchange.getRequestMethod())) {
        params.putAll(form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        String grant = params.getOrDefault("grant_type", "");
        grantTypesSeen.add(grant);
        subject = switch (grant) {
          case "refresh_token" -> refreshTokens.get(params.getOrDefault("refresh_token", ""));
          case "password" -> user.equals(params.get("username")) && password.equals(params.get("password")) ? user : null;
          default -> null;
        };
        // The OAuth spec (distribution, docs/spec/auth/oauth.md): access_type=offline asks for a refresh token.
        offline = offline || "refresh_token".equals(grant) || "offline".equals(params.get("access_type"));
      } else {
        grantTypesSeen.add("basic");
        subject = basicUser(exchange.getRequestHeaders().getFirst("Authorization"));
      }
      if (subject == null) {
        reply(exchange, 401, Map.of("errors", List.of(Map.of("code", "UNAUTHORIZED", "message", "bad credentials"))));
        return;
      }
      requestsByScope.computeIfAbsent(String.valueOf(params.get("scope")), s -> new java.util.concurrent.atomic.AtomicInteger())
          .incrementAndGet();
      String jwt = jwt(subject, params.get("scope"));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("token", jwt);
      body.put("access_token", jwt);
      body.put("expires_in", 300);
      body.put("issued_at", Instant.now().toString());
      if (offline) {
        String refresh = params.getOrDefault("refresh_token", "");
        if (rotating && refreshTokens.containsKey(refresh)) {
          refreshTokens.remove(refresh);
          refresh = "";
        }
        if (!refreshTokens.containsKey(refresh)) {
          refresh = "refresh-" + new BigInteger(128, new SecureRandom()).toString(36);
          refreshTokens.put(refresh, subject);
        }
        body.put("refresh_token", refresh);
      }
      reply(exchange, 200, body);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private String basicUser(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return null;
    }
    String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    return colon > 0 && decoded.substring(0, colon).equals(user) && decoded.substring(colon + 1).equals(password)
        ? user : null;
  }

  private String jwt(String subject, String scope) throws Exception {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.put("x5c", List.of(Base64.getEncoder().encodeToString(certificate.getEncoded())));
    long now = Instant.now().getEpochSecond();
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", ISSUER);
    claims.put("sub", subject);
    claims.put("aud", SERVICE);
    claims.put("exp", now + 300);
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", new BigInteger(64, new SecureRandom()).toString(36));
    claims.put("access", access(scope));
    String signingInput = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
        + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(keys.getPrivate());
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + B64URL.encodeToString(rsa.sign());
  }

  /** Grants whatever an authenticated user asks: "repository:NAME:pull,push" for each scope. */
  private static List<Map<String, Object>> access(String scopes) {
    List<Map<String, Object>> access = new ArrayList<>();
    if (scopes == null) {
      return access;
    }
    for (String scope : scopes.split(" ")) {
      String[] parts = scope.split(":");
      if (parts.length == 3) {
        access.add(Map.of("type", parts[0], "name", parts[1], "actions", List.of(parts[2].split(","))));
      }
    }
    return access;
  }

  private static Map<String, String> form(String raw) {
    Map<String, String> values = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return values;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      values.merge(key, value, (a, b) -> a + " " + b); // several scope= parameters
    }
    return values;
  }

  private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
