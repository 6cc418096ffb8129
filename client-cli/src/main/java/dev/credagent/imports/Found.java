package dev.credagent.imports;

import java.util.Arrays;

/**
 * A credential found in a file or another helper, on its way into the vault. Owns {@code secret}
 * and wipes it on close.
 */
public record Found(String server, String username, char[] secret) implements AutoCloseable {
  @Override
  public void close() {
    Arrays.fill(secret, '\0');
  }

  @Override
  public String toString() {
    return server + " (" + username + ")"; // never the secret
  }
}
