package dev.credagent.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.credagent.vault.Credential;
import dev.credagent.vault.Secret;
import dev.credagent.vault.SecretSafeJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A registry login as the auth spec and docker do it: {@code GET /v2/}; on 401, the challenge
 * decides. {@code Basic}: {@code /v2/} again with the credentials. {@code Bearer}: an offline token
 * from the realm, asked for as OAuth does ({@code POST grant_type=password&access_type=offline})
 * and, where the token server answers that with 404, 405, 401 or 400 (as containerd falls back for
 * GCR, Harbor, Artifactory and ACR), as the token spec does ({@code GET ?offline_token=true} with
 * Basic auth); the token is then checked against {@code /v2/}. A refresh token in the answer is
 * what gets stored, as {@code docker login} stores it ({@code <token>} and the refresh token);
 * without one, the username and password.
 *
 * <p>Java's HttpClient takes headers and form bodies as Strings; the Basic header and the form
 * are made as late as possible and our own bytes of them wiped, but the client's copies are not
 * ours to wipe (see docs/security.md).
 */
public final class RegistryLogin {
  public static final String CLIENT_ID = "credagent";
  /** What docker stores as the username when the secret is an identity (refresh) token. */
  public static final String IDENTITY_TOKEN_USERNAME = "<token>";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Set<Integer> POST_FALLBACK = Set.of(404, 405, 401, 400);

  private final HttpClient http;

  public RegistryLogin(HttpClient http) {
    this.http = http;
  }

  public static HttpClient defaultClient() {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  /** What to store for a successful login, which the caller owns; {@code password} stays the caller's. */
  public Credential login(RegistryAddress registry, String username, Secret password)
      throws LoginFailedException, IOException, InterruptedException {
    HttpResponse<Void> probe = send(get(registry.base().resolve("/v2/")).build());
    if (probe.statusCode() == 200) {
      return new Credential(username, password.copy()); // no auth asked: docker logs in all the same
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
    for (Challenge challenge : challenges) {
      if (challenge.scheme().equals("bearer") && challenge.param("realm") != null) {
        return bearer(registry, challenge, username, password);
      }
    }
    for (Challenge challenge : challenges) {
      if (challenge.scheme().equals("basic")) {
        return basic(registry, username, password);
      }
    }
    throw new LoginFailedException(registry.key() + " asks for authentication credagent does not speak ("
        + String.join(", ", challenges.stream().map(Challenge::scheme).toList()) + ")");
  }

  private Credential basic(RegistryAddress registry, String username, Secret password)
      throws LoginFailedException, IOException, InterruptedException {
    HttpResponse<Void> answer = send(get(registry.base().resolve("/v2/"))
        .header("Authorization", basicAuthorization(username, password)).build());
    if (answer.statusCode() != 200) {
      throw refused(registry, answer.statusCode());
    }
    return new Credential(username, password.copy());
  }

  private Credential bearer(RegistryAddress registry, Challenge challenge, String username, Secret password)
      throws LoginFailedException, IOException, InterruptedException {
    URI realm;
    try {
      realm = URI.create(challenge.param("realm"));
    } catch (IllegalArgumentException e) {
      throw new LoginFailedException(registry.key() + " names a token realm that is not a URL");
    }
    String service = challenge.param("service") == null ? "" : challenge.param("service");
    HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(realm).timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(passwordForm(service, username, password)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (POST_FALLBACK.contains(answer.statusCode())) {
      URI withQuery = URI.create(realm + (realm.getRawQuery() == null ? "?" : "&") + "service=" + encode(service)
          + "&offline_token=true&client_id=" + CLIENT_ID);
      answer = http.send(get(withQuery).header("Authorization", basicAuthorization(username, password)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    }
    if (answer.statusCode() != 200) {
      throw refused(registry, answer.statusCode());
    }
    Tokens tokens = Tokens.parse(answer.body());
    Arrays.fill(answer.body(), (byte) 0);
    try {
      if (tokens.access() == null) {
        throw new LoginFailedException("the token server of " + registry.key() + " answered without a token");
      }
      HttpResponse<Void> check = send(get(registry.base().resolve("/v2/"))
          .header("Authorization", "Bearer " + tokens.access()).build());
      if (check.statusCode() != 200) {
        throw new LoginFailedException(registry.key() + " did not accept the token its server gave (HTTP "
            + check.statusCode() + ")");
      }
      if (tokens.refresh() != null) {
        Secret refresh = tokens.refresh();
        tokens = null;
        return new Credential(IDENTITY_TOKEN_USERNAME, refresh);
      }
      return new Credential(username, password.copy());
    } finally {
      if (tokens != null && tokens.refresh() != null) {
        tokens.refresh().destroy();
      }
    }
  }

  /** {@code token}/{@code access_token} (the same thing) and an optional {@code refresh_token}. */
  private record Tokens(String access, Secret refresh) {
    static Tokens parse(byte[] body) throws LoginFailedException {
      String access = null;
      Secret refresh = null;
      try (JsonParser json = SecretSafeJson.FACTORY.createParser(body)) {
        if (json.nextToken() != JsonToken.START_OBJECT) {
          throw new LoginFailedException("the token server answered something that is not a JSON object");
        }
        while (json.nextToken() == JsonToken.FIELD_NAME) {
          String field = json.currentName();
          JsonToken value = json.nextToken();
          if (value != JsonToken.VALUE_STRING) {
            json.skipChildren();
          } else if (field.equals("access_token") || (field.equals("token") && access == null)) {
            access = json.getText();
          } else if (field.equals("refresh_token")) {
            if (refresh != null) {
              refresh.destroy();
            }
            refresh = Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
          }
        }
      } catch (IOException e) {
        if (refresh != null) {
          refresh.destroy();
        }
        throw new LoginFailedException("the token server answered something that is not JSON");
      }
      return new Tokens(access, refresh);
    }
  }

  private HttpResponse<Void> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.discarding());
  }

  private static HttpRequest.Builder get(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
  }

  private static LoginFailedException refused(RegistryAddress registry, int status) {
    return new LoginFailedException(registry.key() + " refused the login (HTTP " + status
        + (status == 401 || status == 403 ? ": the username or password is wrong" : "") + ")");
  }

  private static String basicAuthorization(String username, Secret password) {
    char[] chars = password.toChars();
    byte[] pair = null;
    try {
      ByteBuffer utf8 = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
      byte[] user = (username + ":").getBytes(StandardCharsets.UTF_8);
      pair = new byte[user.length + utf8.remaining()];
      System.arraycopy(user, 0, pair, 0, user.length);
      utf8.get(pair, user.length, utf8.remaining());
      Arrays.fill(utf8.array(), (byte) 0);
      return "Basic " + Base64.getEncoder().encodeToString(pair);
    } finally {
      Arrays.fill(chars, '\0');
      if (pair != null) {
        Arrays.fill(pair, (byte) 0);
      }
    }
  }

  private static HttpRequest.BodyPublisher passwordForm(String service, String username, Secret password) {
    char[] chars = password.toChars();
    try {
      String form = "grant_type=password&access_type=offline&client_id=" + CLIENT_ID + "&service=" + encode(service)
          + "&username=" + encode(username) + "&password=" + URLEncoder.encode(new String(chars), StandardCharsets.UTF_8);
      return HttpRequest.BodyPublishers.ofString(form);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
