package dev.credagent.service;

import dev.credagent.vault.Secret;
import dev.credagent.vault.Utf16;

/**
 * The bounds on what a request may carry, checked where it enters the service, whichever front
 * door it came through (docs/security.md lists them). A registry reference is a host, a port and a
 * repository path: a few hundred bytes at most, and never a control character; anything else is
 * refused before it reaches the vault, a lookup or the audit log.
 */
public final class RequestLimits {
  /** A server, registry or pattern: docker's own limit on a reference's name is 255 per part. */
  public static final int MAX_SERVER_CHARS = 512;
  public static final int MAX_USERNAME_CHARS = 1024;
  /** A password, token or refresh token: the largest JWTs registries issue are a few KiB. */
  public static final int MAX_SECRET_CHARS = 64 * 1024;

  private RequestLimits() {}

  /** Null when {@code server} is acceptable; else why not, in words that quote nothing of it. */
  public static InvalidRequestException checkServer(String server) {
    if (server.length() > MAX_SERVER_CHARS) {
      return new InvalidRequestException("a registry name of " + server.length() + " characters is longer than the "
          + MAX_SERVER_CHARS + " a registry reference may be");
    }
    if (hasControl(server)) {
      return new InvalidRequestException("a registry name may not hold control characters");
    }
    return null;
  }

  /**
   * Null when a store or login may keep this username and secret for {@code server}: their
   * lengths, then their characters ({@link #checkUnicode}); else why not.
   */
  public static InvalidRequestException checkCredential(String server, String username, Secret secret) {
    InvalidRequestException lengths = checkLengths(username, secret.length());
    return lengths != null ? lengths : checkUnicode(server, username, secret);
  }

  /** Null when a username and a secret of these lengths may be stored; else why not. */
  private static InvalidRequestException checkLengths(String username, int secretChars) {
    if (username.length() > MAX_USERNAME_CHARS || hasControl(username)) {
      return new InvalidRequestException("a username is at most " + MAX_USERNAME_CHARS
          + " characters, without control characters");
    }
    if (secretChars == 0) {
      return new InvalidRequestException("the secret is empty: nothing to store (was the variable you piped in set?)");
    }
    if (secretChars > MAX_SECRET_CHARS) {
      return new InvalidRequestException("a secret of " + secretChars + " characters is longer than the "
          + MAX_SECRET_CHARS + " one may be");
    }
    return null;
  }

  /**
   * Null when what a store or login keeps is well-formed UTF-16; else why not, naming the field
   * and nothing of it. A lone surrogate (a JSON {@code \\ud800} escape without its pair) cannot be
   * given back as it came: the helper's answer took a lone high one and the character after it for
   * a pair (another secret), and Go's client reads such an escape as U+FFFD.
   */
  private static InvalidRequestException checkUnicode(String server, String username, Secret secret) {
    String field = hasLoneSurrogate(server) ? "the registry name" : hasLoneSurrogate(username) ? "the username"
        : !secret.wellFormed() ? "the secret" : null;
    return field == null ? null : new InvalidRequestException(field + " holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF"
        + " escape without its pair), which no client can be given back; store it as the text it stands for");
  }

  /** Whether {@code text} holds a surrogate not in its pair. */
  static boolean hasLoneSurrogate(CharSequence text) {
    return text != null && !Utf16.wellFormed(text);
  }

  /** How the audit log names a server it refused: by its length, never its content; null for an op on no server. */
  public static String described(String server) {
    return server == null || checkServer(server) == null ? server : "(refused: " + server.length() + " characters)";
  }

  /** C0 controls, DEL and C1 controls: what a terminal would act on. */
  public static boolean hasControl(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return true;
      }
    }
    return false;
  }
}
