package dev.credagent.vault;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the vault's files give to whoever has them and the passphrase: the vault file's body and
 * every journal record, decrypted, as a test reads them to see what a purge left behind.
 */
public final class VaultPlaintext {
  private VaultPlaintext() {}

  /** The decrypted body of {@code vault} and each record of its journal, as text. */
  public static List<String> of(Path vault, String passphrase) throws Exception {
    byte[] secret = passphrase.getBytes(StandardCharsets.UTF_8);
    byte[] key = null;
    for (KeySlots.Slot slot : KeySlots.decode(KeySlots.pathFor(vault), Files.readAllBytes(KeySlots.pathFor(vault)))) {
      key = key != null ? key : slot.open(secret);
    }
    VaultFormat.Sealed sealed = VaultFormat.parse(Files.readAllBytes(vault));
    List<String> plaintexts = new ArrayList<>();
    plaintexts.add(new String(VaultFormat.open(sealed, key), StandardCharsets.UTF_8));
    Path journal = Journal.pathFor(vault);
    // Every record, whichever vault file the journal names: the header aside, each opens under it.
    byte[] bytes = Files.readAllBytes(journal);
    byte[] named = java.util.Arrays.copyOfRange(bytes, Journal.MAGIC.length + 1, Journal.HEADER_BYTES);
    Journal.Replay replay = Journal.read(journal, bytes, named, null, key);
    for (byte[] record : replay.records()) {
      plaintexts.add(new String(record, StandardCharsets.UTF_8));
    }
    return plaintexts;
  }
}
