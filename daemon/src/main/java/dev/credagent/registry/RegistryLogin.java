package dev.credagent.registry;

import dev.credagent.registry.auth.Grant;
import dev.credagent.registry.auth.TokenAnswer;
import dev.credagent.registry.auth.TokenEndpoint;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A registry login as the auth spec and docker do it: {@code GET /v2/}; on 401, the challenge
 * decides. {@code Basic}: {@code /v2/} again with the credentials. {@code Bearer}: an offline token
 * from the realm ({@link TokenEndpoint}), then checked against {@code /v2/}. A refresh token in
 * the answer is what gets stored, as {@code docker login} stores it ({@code <token>} and the
 * refresh token); without one, the username and password.
 */
public final class RegistryLogin {
  /** What docker stores as the username when the secret is an identity (refresh) token. */
  public static final String IDENTITY_TOKEN_USERNAME = "<token>";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final RegistryHttp http;
  private final TokenEndpoint tokens;

  public RegistryLogin(RegistryHttp http, Clock clock) {
    this.http = http;
    this.tokens = new TokenEndpoint(clock);
  }

  public TokenEndpoint tokens() {
    return tokens;
  }

  /** The HTTP client for {@code registry} (its CAs, the proxy). */
  public HttpClient client(RegistryAddress registry) throws IOException {
    return http.clientFor(registry);
  }

  /**
   * How {@code registry} asks to be authenticated: its {@code Bearer} challenge when it has one,
   * else its {@code Basic} one; null when {@code /v2/} needs no authentication at all.
   */
  public Challenge challenge(RegistryAddress registry) throws LoginFailedException, IOException, InterruptedException {
    HttpResponse<byte[]> probe = v2(registry, null);
    if (probe.statusCode() == 200) {
      return null;
    }
    if (probe.statusCode() != 401) {
      throw new LoginFailedException(registry.key() + " answered GET /v2/ with HTTP " + probe.statusCode());
    }
    List<Challenge> challenges;
    try {
      challenges = ChallengeParser.parse(probe.headers().allValues("www-authenticate"));
    } catch (MalformedChallengeException e) {
      throw new LoginFailedException(registry.key() + " sent a " + e.getMessage());
    }
    return challenges.stream().filter(c -> c.scheme().equals("bearer") && c.param("realm") != null).findFirst()
        .or(() -> challenges.stream().filter(c -> c.scheme().equals("basic")).findFirst())
        .orElseThrow(() -> new LoginFailedException(registry.key() + " asks for authentication credagent does not speak ("
            + String.join(", ", challenges.stream().map(Challenge::scheme).toList()) + ")"));
  }

  /** What to store for a successful login, which the caller owns; {@code password} stays the caller's. */
  public Credential login(RegistryAddress registry, String username, Secret password)
      throws LoginFailedException, IOException, InterruptedException {
    Challenge challenge = challenge(registry);
    if (challenge == null) {
      return new Credential(username, password.copy()); // no auth asked: docker logs in all the same
    }
    if (challenge.scheme().equals("basic")) {
      int status = v2(registry, TokenEndpoint.basicAuthorization(username, password)).statusCode();
      if (status != 200) {
        throw new LoginFailedException(registry.key() + " refused the login (HTTP " + status
            + (status == 401 || status == 403 ? ": the username or password is wrong" : "") + ")");
      }
      return new Credential(username, password.copy());
    }
    TokenAnswer answer = tokens.request(client(registry), registry.key(), realm(registry, challenge), service(challenge), List.of(),
        new Grant.Password(username, password), true);
    try {
      char[] access = answer.access().toChars();
      int status;
      try {
        status = v2(registry, "Bearer " + new String(access)).statusCode();
      } finally {
        Arrays.fill(access, '\0');
      }
      if (status != 200) {
        throw new LoginFailedException(registry.key() + " did not accept the token its server gave (HTTP " + status + ")");
      }
      if (answer.refresh() != null) {
        return new Credential(IDENTITY_TOKEN_USERNAME, answer.refresh().copy());
      }
      return new Credential(username, password.copy());
    } finally {
      answer.destroy();
    }
  }

  /**
   * The realm of a Bearer challenge, as a URL: absolute, https, or http only where the registry
   * itself is spoken to over plain http (localhost, or --insecure). A relative, {@code file:} or
   * downgraded realm is refused: the password or refresh token would go there.
   */
  public static URI realm(RegistryAddress registry, Challenge challenge) throws LoginFailedException {
    URI realm;
    try {
      realm = URI.create(challenge.param("realm"));
    } catch (IllegalArgumentException e) {
      throw new LoginFailedException(registry.key() + " names a token realm that is not a URL");
    }
    String scheme = realm.getScheme() == null ? "" : realm.getScheme().toLowerCase(Locale.ROOT);
    boolean plainRegistry = "http".equalsIgnoreCase(registry.base().getScheme());
    if (!realm.isAbsolute() || realm.getHost() == null || !(scheme.equals("https") || scheme.equals("http") && plainRegistry)) {
      throw new LoginFailedException(registry.key() + " names a token realm credagent will not send credentials to"
          + " (an absolute https URL is needed" + (plainRegistry ? ", or http for a plain-http registry" : "") + ")");
    }
    return realm;
  }

  public static String service(Challenge challenge) {
    return challenge.param("service") == null ? "" : challenge.param("service");
  }

  private HttpResponse<byte[]> v2(RegistryAddress registry, String authorization) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(registry.base().resolve("/v2/")).timeout(TIMEOUT).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return Exchange.send(client(registry), request.build());
  }
}
