package dev.credagent.registry.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.credagent.registry.Exchange;
import dev.credagent.registry.LoginFailedException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.SecretSafeJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A registry's token server (the {@code realm} of its {@code Bearer} challenge). Asked as OAuth
 * does first ({@code POST grant_type=password|refresh_token}, the scopes space-separated in one
 * field); where a password grant's POST is answered 404, 405, 401 or 400 (GCR, Harbor,
 * Artifactory, ACR), as the token spec does ({@code GET ?service&scope…} with Basic auth), as
 * containerd falls back. A refresh token can only be POSTed.
 *
 * <p>Java's HttpClient takes headers and form bodies as Strings: the Basic header and the form are
 * made as late as possible, but the client's copies are not ours to wipe (docs/security.md).
 */
public final class TokenEndpoint {
  public static final String CLIENT_ID = "credagent";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Set<Integer> POST_FALLBACK = Set.of(404, 405, 401, 400);

  private final Clock clock;

  public TokenEndpoint(Clock clock) {
    this.clock = clock;
  }

  /**
   * A token for {@code scopes} (none: just access to {@code /v2/}); {@code offline} asks for a
   * refresh token too. Refused: a {@link LoginFailedException} naming {@code registry}.
   */
  public TokenAnswer request(HttpClient http, String registry, URI realm, String service, List<String> scopes, Grant grant,
      boolean offline)
      throws LoginFailedException, IOException, InterruptedException {
    HttpResponse<byte[]> answer = Exchange.send(http, HttpRequest.newBuilder(realm).timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(form(service, scopes, grant, offline)).build());
    if (POST_FALLBACK.contains(answer.statusCode()) && grant instanceof Grant.Password password) {
      StringBuilder query = new StringBuilder(realm.toString()).append(realm.getRawQuery() == null ? '?' : '&')
          .append("service=").append(encode(service)).append("&client_id=").append(CLIENT_ID);
      if (offline) {
        query.append("&offline_token=true");
      }
      scopes.forEach(scope -> query.append("&scope=").append(encode(scope)));
      Arrays.fill(answer.body(), (byte) 0);
      answer = Exchange.send(http, HttpRequest.newBuilder(URI.create(query.toString())).timeout(TIMEOUT).GET()
          .header("Authorization", basicAuthorization(password.username(), password.password())).build());
    }
    try {
      if (answer.statusCode() != 200) {
        throw new LoginFailedException(registry + " refused the " + (grant instanceof Grant.Refresh ? "stored token" : "login")
            + " (HTTP " + answer.statusCode()
            + (answer.statusCode() == 401 || answer.statusCode() == 403 ? ": the credentials are wrong or expired" : "") + ")");
      }
      return parse(registry, answer.body(), clock.instant());
    } finally {
      Arrays.fill(answer.body(), (byte) 0);
    }
  }

  /**
   * The longest a token is taken to live, whatever the server says: a day. Registries issue
   * minutes; a larger {@code expires_in} (2^63-1 overflowed) is clamped to this.
   */
  public static final Duration MAX_LIFETIME = Duration.ofDays(1);

  /**
   * The longest access or refresh token taken from a token server: a stored secret's limit
   * (RequestLimits.MAX_SECRET_CHARS); the largest JWTs registries issue are a few KiB. A body may
   * be 1 MiB, and the cache keeps a thousand tokens.
   */
  public static final int MAX_TOKEN_CHARS = 64 * 1024;

  /**
   * A token server's answer, its lifetime counted from {@code received} on the local clock: an
   * {@code issued_at} from a server whose clock is off (1970) handed out tokens that had expired
   * already, so it is not used; {@code expires_in} is clamped to {@link TokenAnswer#MIN_LIFETIME}
   * .. {@link #MAX_LIFETIME}.
   */
  static TokenAnswer parse(String registry, byte[] body, Instant received) throws LoginFailedException {
    Secret access = null;
    Secret refresh = null;
    long expiresIn = 0;
    try (JsonParser json = SecretSafeJson.FACTORY.createParser(body)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new LoginFailedException("the token server of " + registry + " answered something that is not a JSON object");
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if (field.equals("expires_in") && value == JsonToken.VALUE_NUMBER_INT) {
          expiresIn = json.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? Long.MAX_VALUE : json.getLongValue();
        } else if (value != JsonToken.VALUE_STRING) {
          json.skipChildren();
        } else if ((field.equals("access_token") || field.equals("token") || field.equals("refresh_token"))
            && json.getTextLength() > MAX_TOKEN_CHARS) {
          throw new LoginFailedException("the token server of " + registry + " answered a token of " + json.getTextLength()
              + " characters, longer than the " + MAX_TOKEN_CHARS + " a token may be");
        } else if (field.equals("access_token") || (field.equals("token") && access == null)) {
          access = replace(access, json);
        } else if (field.equals("refresh_token")) {
          refresh = replace(refresh, json);
        }
      }
    } catch (IOException e) {
      destroy(access, refresh);
      throw new LoginFailedException("the token server of " + registry + " answered something that is not JSON");
    } catch (LoginFailedException e) {
      destroy(access, refresh);
      throw e;
    }
    if (access == null) {
      destroy(null, refresh);
      throw new LoginFailedException("the token server of " + registry + " answered without a token");
    }
    long seconds = Math.min(Math.max(expiresIn, TokenAnswer.MIN_LIFETIME.toSeconds()), MAX_LIFETIME.toSeconds());
    return new TokenAnswer(access, received.plusSeconds(seconds), refresh);
  }

  private static Secret replace(Secret previous, JsonParser json) throws IOException {
    if (previous != null) {
      previous.destroy();
    }
    return Secret.copyOf(json.getTextCharacters(), json.getTextOffset(), json.getTextLength());
  }

  private static void destroy(Secret a, Secret b) {
    if (a != null) {
      a.destroy();
    }
    if (b != null) {
      b.destroy();
    }
  }

  private static HttpRequest.BodyPublisher form(String service, List<String> scopes, Grant grant, boolean offline) {
    StringBuilder form = new StringBuilder("client_id=").append(CLIENT_ID).append("&service=").append(encode(service));
    if (offline) {
      form.append("&access_type=offline");
    }
    if (!scopes.isEmpty()) {
      form.append("&scope=").append(encode(String.join(" ", scopes)));
    }
    char[] secret = switch (grant) {
      case Grant.Password password -> {
        form.append("&grant_type=password&username=").append(encode(password.username())).append("&password=");
        yield password.password().toChars();
      }
      case Grant.Refresh refresh -> {
        form.append("&grant_type=refresh_token&refresh_token=");
        yield refresh.refreshToken().toChars();
      }
    };
    try {
      form.append(URLEncoder.encode(new String(secret), StandardCharsets.UTF_8));
      return HttpRequest.BodyPublishers.ofString(form.toString());
    } finally {
      Arrays.fill(secret, '\0');
    }
  }

  /** {@code Basic base64(user:password)}, our own bytes of it wiped. */
  public static String basicAuthorization(String username, Secret password) {
    char[] chars = password.toChars();
    byte[] pair = null;
    try {
      ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
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

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
