package dev.credagent.service;

import dev.credagent.vault.Secret;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A recovery key: 160 random bits written as eight groups of five Crockford base32 characters
 * ({@code 7Q2KD-…}), printed once, for the day the passphrase is forgotten. As strong as a key,
 * and still something a person can copy onto paper.
 *
 * <p>Typed back, it is read as Crockford base32 is: any case, any spacing, any grouping of dashes,
 * {@code O} as {@code 0} and {@code I}, {@code L} as {@code 1}. Only the exact printed form used to
 * work: a pasted line with its indent, lower case or no dashes said "wrong passphrase" to a user
 * who had just lost theirs. What has a key's shape but is not one (a character short, a {@code U})
 * is told apart from a passphrase, so the answer can say so.
 */
final class RecoveryKey {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final int GROUPS = 8;
  private static final int GROUP = 5;
  private static final int LENGTH = GROUPS * GROUP;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RecoveryKey() {}

  /** What a typed secret is: a passphrase, a recovery key (in its printed form), or a key mistyped. */
  sealed interface Typed {}

  /** Not a recovery key's shape: a passphrase. */
  record Passphrase() implements Typed {}

  /** A recovery key, in the printed form the slot was made with; the caller wipes it. */
  record Key(Secret printed) implements Typed {}

  /** A recovery key's shape, but no recovery key: {@code why} says what is wrong, never the characters. */
  record Mistyped(String why) implements Typed {}

  static Secret fresh() {
    char[] key = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      key[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    try {
      return printed(key);
    } finally {
      Arrays.fill(key, '\0');
    }
  }

  /**
   * Reads {@code typed}. A key's shape: letters and digits only, with dashes or spaces between
   * them, and either 40 of them in any grouping, or 35 to 45 in at least four groups of which most
   * have five (a key copied off paper with a character lost or doubled). A diceware passphrase,
   * whose words are rarely five letters each, stays a passphrase.
   */
  static Typed read(Secret typed) {
    char[] chars = typed.toChars();
    char[] symbols = new char[chars.length];
    try {
      int count = 0;
      int groups = 0;
      int groupsOfFive = 0;
      int inGroup = 0;
      for (int i = 0; i <= chars.length; i++) {
        char c = i < chars.length ? chars[i] : ' ';
        if (c == '-' || Character.isWhitespace(c)) {
          if (inGroup > 0) {
            groups++;
            groupsOfFive += inGroup == GROUP ? 1 : 0;
          }
          inGroup = 0;
        } else if (c < 128 && Character.isLetterOrDigit(c)) {
          symbols[count++] = c;
          inGroup++;
        } else {
          return new Passphrase();
        }
      }
      boolean grouped = groups >= 4 && groupsOfFive * 2 > groups && count >= LENGTH - GROUP && count <= LENGTH + GROUP;
      if (count != LENGTH && !grouped) {
        return new Passphrase();
      }
      if (count != LENGTH) {
        return new Mistyped("it has " + count + " letters and digits, and a recovery key has " + LENGTH);
      }
      for (int i = 0; i < count; i++) {
        int value = value(symbols[i]);
        if (value < 0) {
          return new Mistyped("its character " + (i + 1) + " of " + LENGTH + " is no letter of a recovery key (no U)");
        }
        symbols[i] = ALPHABET[value];
      }
      return new Key(printed(Arrays.copyOf(symbols, count)));
    } finally {
      Arrays.fill(chars, '\0');
      Arrays.fill(symbols, '\0');
    }
  }

  /** Crockford's decoding: any case; O reads as 0, I and L as 1; U and the rest are no symbol. */
  private static int value(char c) {
    char upper = Character.toUpperCase(c);
    upper = switch (upper) {
      case 'O' -> '0';
      case 'I', 'L' -> '1';
      default -> upper;
    };
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == upper) {
        return i;
      }
    }
    return -1;
  }

  /** The 40 symbols in eight dashed groups of five, as {@code keyslot add --recovery} prints them. */
  private static Secret printed(char[] symbols) {
    char[] key = new char[LENGTH + GROUPS - 1];
    int at = 0;
    for (int i = 0; i < LENGTH; i++) {
      if (i > 0 && i % GROUP == 0) {
        key[at++] = '-';
      }
      key[at++] = symbols[i];
    }
    return Secret.adopt(key);
  }
}
