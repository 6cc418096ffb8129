package dev.credagent.vault;

/** Argon2id at its cheapest, so that unit tests unlock in microseconds; never used outside tests. */
public final class TestKdf {
  public static final KdfParams CHEAP = new KdfParams(8, 1, 1);

  private TestKdf() {}

  public static Secret secret(String value) {
    return Secret.adopt(value.toCharArray());
  }
}
