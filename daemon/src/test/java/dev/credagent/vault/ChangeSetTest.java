package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A group of changes worked out before anything is written: outcomes, the maps after, the size kept. */
class ChangeSetTest {
  private static Credential credential(String user, String secret) {
    return new Credential(user, TestKdf.secret(secret));
  }

  @Test
  void eachChangeHasItsOutcomeAndWhatItReplacedIsHandedBackNotWiped() throws Exception {
    Credential old = credential("u", "old");
    TreeMap<String, Credential> open = new TreeMap<>(Map.of("a", old));
    ChangeSet set = new ChangeSet(open, Map.of(), ChangeSet.size(open, Map.of()),
        List.of(new Vault.Put("a", credential("u", "new")), new Vault.Remove("gone"), new Vault.PutSource("b", "def")));
    assertNull(set.outcomes.get(0));
    assertInstanceOf(CredentialNotFoundException.class, set.outcomes.get(1));
    assertNull(set.outcomes.get(2));
    assertEquals(2, set.made.size(), "the erase of what is not there is not made");
    assertSame(old, set.superseded.get(0));
    assertTrue(!old.secret().isDestroyed(), "wiped by the vault once the change is published, not before");
    assertEquals("u", set.credentials.get("a").username());
    assertEquals("def", set.sources.get("b"));
    assertEquals(Map.of("a", old), open, "the open map is left as it was");
    assertEquals(ChangeSet.size(set.credentials, set.sources), set.content);
  }

  @Test
  void aChangePastTheLimitIsRefusedItsSecretWipedAndTheOthersGoOn() throws Exception {
    char[] big = new char[(int) Vault.MAX_CONTENT_CHARS];
    Arrays.fill(big, 'x');
    Credential tooBig = new Credential("u", Secret.adopt(big));
    ChangeSet set = new ChangeSet(new TreeMap<>(), Map.of(), 0,
        List.of(new Vault.Put("big", tooBig), new Vault.Put("small", credential("u", "s"))));
    assertInstanceOf(VaultFullException.class, set.outcomes.get(0));
    assertTrue(tooBig.secret().isDestroyed());
    assertNull(set.outcomes.get(1));
    assertEquals(List.of("small"), List.copyOf(set.credentials.keySet()));
  }
}
