package dev.credagent.vault;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A secret (password, token, passphrase) held as characters we can wipe, never as a String.
 *
 * <p>Reads and {@link #destroy()} are synchronized so that a copy taken while the vault locks is
 * either whole or refused, never half-wiped.
 */
public final class Secret implements AutoCloseable {
  private final char[] chars;
  private boolean destroyed;

  private Secret(char[] chars) {
    this.chars = chars;
  }

  /** Takes ownership of {@code chars}: the caller must not keep or wipe them. */
  public static Secret adopt(char[] chars) {
    return new Secret(chars);
  }

  public static Secret copyOf(char[] chars, int offset, int length) {
    return new Secret(Arrays.copyOfRange(chars, offset, offset + length));
  }

  /** A copy the caller owns (and should close). */
  public synchronized Secret copy() {
    requireAlive();
    return new Secret(chars.clone());
  }

  /** The characters, copied; the caller wipes them. */
  public synchronized char[] toChars() {
    requireAlive();
    return chars.clone();
  }

  /** UTF-8 bytes, copied; the caller wipes them. */
  public synchronized byte[] toUtf8() {
    requireAlive();
    try {
      ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .encode(CharBuffer.wrap(chars));
      byte[] bytes = Arrays.copyOf(encoded.array(), encoded.limit());
      Arrays.fill(encoded.array(), (byte) 0);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("UTF-8 with REPLACE cannot fail", e);
    }
  }

  /** Whether the characters are well-formed UTF-16 ({@link Utf16}): read in place, not copied. */
  public synchronized boolean wellFormed() {
    requireAlive();
    return Utf16.wellFormed(java.nio.CharBuffer.wrap(chars));
  }

  public synchronized int length() {
    requireAlive();
    return chars.length;
  }

  public synchronized boolean isEmpty() {
    return length() == 0;
  }

  /** Compares in time that depends on the lengths only, never on where the first difference is. */
  public boolean contentEquals(Secret other) {
    byte[] mine = toUtf8();
    byte[] theirs = other.toUtf8();
    try {
      return MessageDigest.isEqual(mine, theirs);
    } finally {
      Arrays.fill(mine, (byte) 0);
      Arrays.fill(theirs, (byte) 0);
    }
  }

  public synchronized void destroy() {
    Arrays.fill(chars, '\0');
    destroyed = true;
  }

  public synchronized boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public void close() {
    destroy();
  }

  /** Never the content: a Secret that reaches a log or an exception message shows this. */
  @Override
  public String toString() {
    return "Secret[redacted]";
  }

  private void requireAlive() {
    if (destroyed) {
      throw new DestroyedSecretException();
    }
  }

  /** The secret was wiped (the vault locked or the credential was replaced) while being read. */
  public static final class DestroyedSecretException extends IllegalStateException {
    DestroyedSecretException() {
      super("the secret was wiped while it was being read");
    }
  }
}
