package dev.credagent.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

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

  /**
   * The vault key of this erasure. Its time is whole seconds, with nanoseconds only where two
   * erasures of one server in one second by one program need keys of their own ({@link #unique}).
   */
  String key() {
    String when = at.getNano() == 0 ? String.valueOf(at.getEpochSecond())
        : at.getEpochSecond() + "." + String.format(Locale.ROOT, "%09d", at.getNano());
    return PREFIX + when + MARK + by.replace(MARK, '?') + MARK + server;
  }

  /**
   * The erasure of {@code server} at {@code at} (to the second) by {@code by}, made later by a
   * nanosecond at a time until its key is none of {@code taken}: a second erasure in the same second
   * (a store that replaces, then another) must not overwrite the first one's kept credential, and
   * the later one still sorts as the newer.
   */
  static ErasedKey unique(String server, Instant at, String by, Predicate<String> taken) {
    ErasedKey erased = new ErasedKey(server, at.truncatedTo(ChronoUnit.SECONDS), by);
    while (taken.test(erased.key())) {
      erased = new ErasedKey(server, erased.at().plusNanos(1), by);
    }
    return erased;
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
      String[] when = parts[0].split("\\.", 2);
      return Optional.of(new ErasedKey(parts[2],
          Instant.ofEpochSecond(Long.parseLong(when[0]), when.length == 2 ? Integer.parseInt(when[1]) : 0), parts[1]));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
