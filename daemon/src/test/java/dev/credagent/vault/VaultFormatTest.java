package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VaultFormatTest {
  private final SecureRandom random = new SecureRandom();
  private final VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(TestKdf.CHEAP, random);
  private final byte[] key = new byte[32];
  private final byte[] body = "{\"credentials\":{}}".getBytes(StandardCharsets.UTF_8);

  @Test
  void sealedBodyOpensWithTheSameKey() throws Exception {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    assertArrayEquals(body, VaultFormat.open(VaultFormat.parse(file), key));
  }

  @Test
  void wrongKeyOpensNothing() throws Exception {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    byte[] other = new byte[32];
    other[0] = 1;
    assertNull(VaultFormat.open(VaultFormat.parse(file), other));
  }

  @Test
  void everyWriteUsesAFreshNonce() {
    byte[] first = VaultFormat.seal(spec, key, body, random);
    byte[] second = VaultFormat.seal(spec, key, body, random);
    assertFalse(Arrays.equals(first, second));
  }

  @Test
  void theHeaderIsAuthenticatedToo() throws Exception {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    int saltStart = 4 + 1 + 1 + 4 + 4 + 1 + 1;
    file[saltStart] ^= 1;
    assertThrows(CorruptVaultException.class, () -> VaultFormat.open(VaultFormat.parse(file), key));
  }

  @Test
  void aFlippedBodyBitIsDamageNotAWrongPassphrase() throws Exception {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    file[file.length - 20] ^= 1;
    CorruptVaultException e = assertThrows(CorruptVaultException.class, () -> VaultFormat.open(VaultFormat.parse(file), key));
    assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    byte[] other = new byte[32];
    other[0] = 1;
    assertNull(VaultFormat.open(VaultFormat.parse(file), other), "a wrong key is still a wrong key");
  }

  @Test
  void aCutBodyIsDamageNotAWrongPassphrase() throws Exception {
    byte[] file = VaultFormat.seal(spec, key, "x".repeat(200).getBytes(StandardCharsets.UTF_8), random);
    byte[] cut = Arrays.copyOf(file, file.length - 100);
    assertThrows(CorruptVaultException.class, () -> VaultFormat.open(VaultFormat.parse(cut), key));
  }

  /** A vault file as format 1 wrote it: no key check; a bad tag is then a wrong passphrase. */
  static byte[] formatOne(VaultFormat.KeySpec spec, byte[] key, byte[] plaintext) throws Exception {
    return former(spec, key, plaintext, 1 + VaultFormat.KEY_CHECK_BYTES + VaultFormat.NONCE_BYTES + VaultFormat.DIGEST_BYTES, 1);
  }

  /** A vault file as format 2 wrote it: no previous nonce, no digest. */
  static byte[] formatTwo(VaultFormat.KeySpec spec, byte[] key, byte[] plaintext) throws Exception {
    return former(spec, key, plaintext, VaultFormat.NONCE_BYTES + VaultFormat.DIGEST_BYTES, 2);
  }

  private static byte[] former(VaultFormat.KeySpec spec, byte[] key, byte[] plaintext, int fewerHeaderBytes, int format)
      throws Exception {
    byte[] current = VaultFormat.seal(spec, key, plaintext, new SecureRandom());
    VaultFormat.Sealed parsed = VaultFormat.parse(current);
    byte[] header = Arrays.copyOf(parsed.header(), parsed.header().length - fewerHeaderBytes);
    header[4] = (byte) format;
    javax.crypto.Cipher gcm = VaultFormat.gcm(javax.crypto.Cipher.ENCRYPT_MODE, key, parsed.nonce(), header);
    byte[] sealed = gcm.doFinal(plaintext);
    byte[] out = Arrays.copyOf(header, header.length + sealed.length);
    System.arraycopy(sealed, 0, out, header.length, sealed.length);
    return out;
  }

  @Test
  void aFormatOneFileStillOpens() throws Exception {
    byte[] file = formatOne(spec, key, body);
    VaultFormat.Sealed sealed = VaultFormat.parse(file);
    assertTrue(sealed.legacy());
    assertArrayEquals(body, VaultFormat.open(sealed, key));
    assertNull(VaultFormat.open(sealed, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
        20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}));
  }

  @Test
  void anotherFileIsNotTakenForAVault() {
    CorruptVaultException e = assertThrows(CorruptVaultException.class,
        () -> VaultFormat.parse("{\"auths\":{}}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("not a credagent vault"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsReportedAsSuch() {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    CorruptVaultException e = assertThrows(CorruptVaultException.class,
        () -> VaultFormat.parse(Arrays.copyOf(file, 20)));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void aNewerFormatAsksForAnUpgrade() {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    file[4] = 3;
    CorruptVaultException e = assertThrows(CorruptVaultException.class, () -> VaultFormat.parse(file));
    assertTrue(e.getMessage().contains("upgrade credagent"), e.getMessage());
  }

  @Test
  void aTamperedCostCannotMakeUsAllocateWithoutBound() {
    byte[] file = VaultFormat.seal(spec, key, body, random);
    ByteBuffer.wrap(file).putInt(6, Integer.MAX_VALUE);
    CorruptVaultException e = assertThrows(CorruptVaultException.class, () -> VaultFormat.parse(file));
    assertTrue(e.getMessage().contains("out of bounds"), e.getMessage());
  }

  @Test
  void theHeaderRecordsTheCostItWasMadeWith() throws Exception {
    VaultFormat.Sealed sealed = VaultFormat.parse(VaultFormat.seal(spec, key, body, random));
    assertNotNull(sealed);
    assertTrue(sealed.keySpec().params().equals(TestKdf.CHEAP));
    assertArrayEquals(spec.salt(), sealed.keySpec().salt());
  }

  @Test
  void vaultsSealedByBouncyCastlesGcmStillOpen() throws Exception {
    // Vaults written before the JDK's AES-GCM replaced Bouncy Castle's must open unchanged.
    java.security.SecureRandom random = new java.security.SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    VaultFormat.KeySpec spec = VaultFormat.KeySpec.fresh(TestKdf.CHEAP, random);
    byte[] nonce = new byte[VaultFormat.NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] plaintext = "{\"credentials\":{}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] withSomeNonce = VaultFormat.seal(spec, key, plaintext, random);
    byte[] header = VaultFormat.parse(withSomeNonce).header();
    nonce = VaultFormat.parse(withSomeNonce).nonce();
    org.bouncycastle.crypto.modes.GCMModeCipher bc = org.bouncycastle.crypto.modes.GCMBlockCipher.newInstance(
        org.bouncycastle.crypto.engines.AESEngine.newInstance());
    bc.init(true, new org.bouncycastle.crypto.params.AEADParameters(new org.bouncycastle.crypto.params.KeyParameter(key), 128, nonce, header));
    byte[] sealedByBc = new byte[header.length + bc.getOutputSize(plaintext.length)];
    System.arraycopy(header, 0, sealedByBc, 0, header.length);
    int n = bc.processBytes(plaintext, 0, plaintext.length, sealedByBc, header.length);
    bc.doFinal(sealedByBc, header.length + n);
    org.junit.jupiter.api.Assertions.assertArrayEquals(withSomeNonce, sealedByBc, "the same bytes either way");
    org.junit.jupiter.api.Assertions.assertArrayEquals(plaintext, VaultFormat.open(VaultFormat.parse(sealedByBc), key));
  }
}
