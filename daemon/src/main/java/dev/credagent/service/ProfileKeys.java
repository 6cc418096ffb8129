package dev.credagent.service;

import dev.credagent.caller.ProfileName;

/**
 * Where a profile's keys live in the vault: under {@code \u0003NAME\u0003SERVER}, beside the
 * default profile's keys (the servers as sent) and the erased ones ({@code \u0001erased\u0001...}).
 * No client key can begin with a control character ({@link RequestLimits} refuses them), so the
 * three never meet, and each profile is one range of the sorted keys: a list is a walk, not a
 * filter. The profile's directory bindings are a source definition under its bare prefix (a
 * registry that no client can name). So profiles add nothing to the vault's format, its journal or
 * its limits: a vault from before profiles opens as the default profile alone, and a kill -9
 * keeps a profile as it keeps a credential.
 */
final class ProfileKeys {
  /** The profile of every caller that names none and runs in no bound directory; old clients'. */
  static final String DEFAULT = ProfileName.DEFAULT;
  private static final char MARK = '\u0003';
  /** The first key of the default profile: after every profile's (and erased) key. */
  private static final String DEFAULT_FROM = String.valueOf((char) (MARK + 1));

  private ProfileKeys() {}

  /** What precedes a server in {@code profile}'s keys: nothing for the default profile. */
  static String prefix(String profile) {
    return DEFAULT.equals(profile) ? "" : MARK + profile + MARK;
  }

  /** The first vault key of {@code profile} (inclusive). */
  static String from(String profile) {
    return DEFAULT.equals(profile) ? DEFAULT_FROM : prefix(profile);
  }

  /** The key after {@code profile}'s last (exclusive); null: to the end. */
  static String to(String profile) {
    return DEFAULT.equals(profile) ? null : MARK + profile + DEFAULT_FROM;
  }

  /** The source key under which {@code profile}'s bindings are kept (its bare prefix). */
  static String bindings(String profile) {
    return prefix(profile);
  }

  /** Whether {@code key} is some profile's bindings (not a source). */
  static boolean isBindings(String key) {
    return key.length() > 1 && key.charAt(0) == MARK && key.indexOf(MARK, 1) == key.length() - 1;
  }

  /** The profile a vault key (or an erased credential's server) belongs to. */
  static String profileOf(String key) {
    if (key.isEmpty() || key.charAt(0) != MARK) {
      return DEFAULT;
    }
    int end = key.indexOf(MARK, 1);
    return end < 0 ? DEFAULT : key.substring(1, end);
  }

  /** The server a vault key stands for, without its profile's prefix. */
  static String serverOf(String key) {
    if (key.isEmpty() || key.charAt(0) != MARK) {
      return key;
    }
    int end = key.indexOf(MARK, 1);
    return end < 0 ? key : key.substring(end + 1);
  }

  /** {@code key} as people read it: {@code work:ghcr.io}, or the server alone in the default profile. */
  static String shown(String key) {
    String profile = profileOf(key);
    return DEFAULT.equals(profile) ? key : profile + ":" + serverOf(key);
  }
}
