package dev.credagent.vault;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/** Bouncy Castle's Argon2id, in Java: where libargon2 is not installed. */
final class JavaArgon2id implements Argon2id {
  @Override
  public byte[] derive(byte[] passphrase, byte[] salt, KdfParams params, int keyBytes) {
    Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(params.memoryKiB())
        .withIterations(params.iterations())
        .withParallelism(params.parallelism())
        .withSalt(salt)
        .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] key = new byte[keyBytes];
    generator.generateBytes(passphrase, key);
    return key;
  }

  @Override
  public String name() {
    return "Bouncy Castle (Java)";
  }

  @Override
  public boolean usesJavaHeap() {
    return true;
  }
}
