package dev.credagent.service;

import dev.credagent.vault.Secret;
import java.security.SecureRandom;

/**
 * A recovery key: 160 random bits written as eight groups of five Crockford base32 characters
 * ({@code 7Q2KD-…}), printed once, for the day the passphrase is forgotten. As strong as a key,
 * and still something a person can copy onto paper.
 */
final class RecoveryKey {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private RecoveryKey() {}

  static Secret fresh() {
    char[] key = new char[8 * 5 + 7];
    int at = 0;
    for (int group = 0; group < 8; group++) {
      if (group > 0) {
        key[at++] = '-';
      }
      for (int i = 0; i < 5; i++) {
        key[at++] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
      }
    }
    return Secret.adopt(key);
  }
}
