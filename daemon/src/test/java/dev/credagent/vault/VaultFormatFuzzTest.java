package dev.credagent.vault;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** A vault file is outside input until its tag checks: it parses, or is refused as corrupt. */
class VaultFormatFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void aFileParsesOrIsCorrupt(byte[] file) {
    try {
      VaultFormat.Sealed sealed = VaultFormat.parse(file);
      VaultFormat.open(sealed, new byte[KdfParams.KEY_BYTES]); // null (wrong key) or the body; never a throw
    } catch (CorruptVaultException expected) {
      // refused with a reason
    }
  }
}
