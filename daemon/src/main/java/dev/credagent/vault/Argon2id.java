package dev.credagent.vault;

import java.util.logging.Logger;

/**
 * Argon2id version 1.3, raw output: the reference implementation (libargon2, through Java's
 * foreign function API) where the system has it, else Bouncy Castle's Java one. Both compute the
 * same function; what differs is where the memory lives. libargon2 takes its 128 MiB outside the
 * Java heap and hands it straight back to the system when it is done, so a daemon that is
 * unlocked a hundred times stays as small as one unlocked once; Bouncy Castle's blocks live on
 * the heap, which the JVM then has to be coaxed into giving back, and its hot loop is compiled
 * by C2 at a cost of several MiB that stay.
 */
public interface Argon2id {
  Logger LOG = Logger.getLogger(Argon2id.class.getName());

  /** The implementation this process uses, chosen once. */
  static Argon2id get() {
    return Holder.INSTANCE;
  }

  /** A key of {@code keyBytes} from {@code passphrase} and {@code salt}; the caller wipes both and the key. */
  byte[] derive(byte[] passphrase, byte[] salt, KdfParams params, int keyBytes);

  /** For the log and status: which implementation this is. */
  String name();

  /** True when a derivation's memory was Java heap, which a collection must then give back. */
  boolean usesJavaHeap();

  final class Holder {
    static final Argon2id INSTANCE = choose();

    private Holder() {}

    private static Argon2id choose() {
      Argon2id chosen = NativeArgon2id.load();
      if (chosen == null) {
        chosen = new JavaArgon2id();
        LOG.fine("libargon2 not found: deriving keys with Bouncy Castle, on the Java heap");
      }
      return chosen;
    }
  }
}
