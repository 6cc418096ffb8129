package dev.credagent.service;

import java.time.Instant;
import java.util.Optional;

/**
 * Where an erased credential waits for {@code credagent restore}: in the vault with the rest,
 * encrypted alike, under a key that no client can send or ask for, since it begins with a control
 * character ({@link RequestLimits} refuses those in every name that enters). The key carries when
 * it was erased and by which program; the credential is as it was. So an erase and its keeping are
 * one ordinary durable change (a put and a remove in one record), and the vault's format, journal
 * and limits serve them unchanged. Nothing that serves, lists or shares credentials sees these
 * keys ({@link #isOne}).
 */
record ErasedKey(String server, Instant at, String by) {
  private static final char MARK = '\u0001';
  private static final String PREFIX = MARK + "erased" + MARK;
  /** The first key an erased credential can have: they sort before every other. */
  static final String FIRST = PREFIX;

  /** Whether a vault key is an erased credential's. */
  static boolean isOne(String key) {
    return key.startsWith(PREFIX);
  }

  /** The vault key of this erasure. */
  String key() {
    return PREFIX + at.getEpochSecond() + MARK + by.replace(MARK, '?') + MARK + server;
  }

  /** The erasure a vault key stands for; empty when it is no erased credential's key. */
  static Optional<ErasedKey> parse(String key) {
    if (!isOne(key)) {
      return Optional.empty();
    }
    String[] parts = key.substring(PREFIX.length()).split(String.valueOf(MARK), 3);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ErasedKey(parts[2], Instant.ofEpochSecond(Long.parseLong(parts[0])), parts[1]));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
