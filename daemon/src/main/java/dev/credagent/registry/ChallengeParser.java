package dev.credagent.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code WWW-Authenticate} as RFC 7235 (section 4.1) writes it: one or more challenges separated
 * by commas, each a scheme then either comma-separated {@code name=value} parameters (the value a
 * token or a quoted string, which may hold commas and backslash escapes) or a token68. Several
 * headers are parsed one after the other. Registries send {@code Bearer realm="…",service="…"}
 * or {@code Basic realm="…"}; a malformed header is a {@link MalformedChallengeException}, never a
 * runtime exception.
 */
public final class ChallengeParser {
  private final String header;
  private int at;

  private ChallengeParser(String header) {
    this.header = header;
  }

  /** Every challenge of every header, in order. */
  public static List<Challenge> parse(List<String> headers) throws MalformedChallengeException {
    List<Challenge> challenges = new ArrayList<>();
    for (String header : headers) {
      challenges.addAll(new ChallengeParser(header).challenges());
    }
    return challenges;
  }

  private List<Challenge> challenges() throws MalformedChallengeException {
    List<Challenge> challenges = new ArrayList<>();
    skipListSeparators();
    while (at < header.length()) {
      String scheme = token();
      if (scheme.isEmpty()) {
        throw malformed("an authentication scheme was expected");
      }
      Map<String, String> params = new LinkedHashMap<>();
      skipSpaces();
      if (at < header.length() && header.charAt(at) != ',') {
        if (isParamAhead()) {
          params(params);
        } else {
          params.put("token68", token68());
        }
      }
      challenges.add(new Challenge(scheme.toLowerCase(Locale.ROOT), Collections.unmodifiableMap(params)));
      skipListSeparators();
    }
    if (challenges.isEmpty()) {
      throw malformed("no challenge");
    }
    return challenges;
  }

  /** name=value pairs up to the next challenge (a token not followed by '=') or the end. */
  private void params(Map<String, String> params) throws MalformedChallengeException {
    while (true) {
      String name = token().toLowerCase(Locale.ROOT);
      skipSpaces();
      expect('=');
      skipSpaces();
      String value = at < header.length() && header.charAt(at) == '"' ? quoted() : token();
      if (value.isEmpty() && header.charAt(at - 1) != '"') {
        throw malformed("a value was expected for '" + name + "'");
      }
      if (params.putIfAbsent(name, value) != null) {
        throw malformed("parameter '" + name + "' given twice");
      }
      skipSpaces();
      if (at >= header.length()) {
        return;
      }
      if (header.charAt(at) != ',') {
        throw malformed("',' expected after a parameter");
      }
      skipListSeparators();
      if (at >= header.length() || !isParamAhead()) {
        return; // the next challenge, or the end
      }
    }
  }

  /** Whether a {@code token =} (and not {@code token ==}, a token68's padding) comes next. */
  private boolean isParamAhead() {
    int i = at;
    while (i < header.length() && isTchar(header.charAt(i))) {
      i++;
    }
    if (i == at) {
      return false;
    }
    while (i < header.length() && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
      i++;
    }
    return i < header.length() && header.charAt(i) == '=' && (i + 1 >= header.length() || header.charAt(i + 1) != '=');
  }

  private String quoted() throws MalformedChallengeException {
    at++; // the opening quote
    StringBuilder value = new StringBuilder();
    while (at < header.length()) {
      char c = header.charAt(at++);
      if (c == '"') {
        return value.toString();
      }
      if (c == '\\') {
        if (at >= header.length()) {
          break;
        }
        c = header.charAt(at++);
      }
      value.append(c);
    }
    throw malformed("a quoted value is not closed");
  }

  private String token() {
    int start = at;
    while (at < header.length() && isTchar(header.charAt(at))) {
      at++;
    }
    return header.substring(start, at);
  }

  private String token68() throws MalformedChallengeException {
    int start = at;
    while (at < header.length() && (Character.isLetterOrDigit(header.charAt(at)) || "-._~+/".indexOf(header.charAt(at)) >= 0)) {
      at++;
    }
    if (at == start) { // a token68 is at least one character before its '=' padding
      throw malformed("a parameter or a token68 was expected");
    }
    while (at < header.length() && header.charAt(at) == '=') {
      at++;
    }
    return header.substring(start, at);
  }

  private void expect(char c) throws MalformedChallengeException {
    if (at >= header.length() || header.charAt(at) != c) {
      throw malformed("'" + c + "' expected");
    }
    at++;
  }

  private void skipSpaces() {
    while (at < header.length() && (header.charAt(at) == ' ' || header.charAt(at) == '\t')) {
      at++;
    }
  }

  private void skipListSeparators() {
    while (at < header.length() && (header.charAt(at) == ' ' || header.charAt(at) == '\t' || header.charAt(at) == ',')) {
      at++;
    }
  }

  private static boolean isTchar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
  }

  private MalformedChallengeException malformed(String what) {
    return new MalformedChallengeException("malformed WWW-Authenticate header: " + what + " at character " + at);
  }
}
