package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.vault.Credential;
import dev.credagent.vault.CredentialNotFoundException;
import dev.credagent.vault.Secret;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import dev.credagent.vault.VaultLockedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: what queues during a write goes into the next one, in order, each acknowledged once durable. */
class WriteBatcherTest {
  @TempDir Path home;
  private final ArrayDeque<Runnable> writeThread = new ArrayDeque<>();

  private Vault unlocked() throws Exception {
    Vault vault = new Vault(home.resolve("vault"), TestKdf.CHEAP);
    vault.unlock(TestKdf.secret("pw"));
    return vault;
  }

  @Test
  void aBurstQueuedDuringAWriteIsOneWriteAndKeepsItsOrder() throws Exception {
    Vault vault = unlocked();
    WriteBatcher batcher = new WriteBatcher(vault, writeThread::add);
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      acks.add(batcher.submit(new Vault.Put("r" + (i % 10), new Credential("u" + i, TestKdf.secret("s" + i)))));
    }
    acks.add(batcher.submit(new Vault.Remove("r0")));
    assertEquals(1, writeThread.size(), "one write for the whole burst");
    assertTrue(acks.stream().noneMatch(CompletableFuture::isDone), "nothing acknowledged before it is on disk");
    long before = Files.getLastModifiedTime(home.resolve("vault")).toMillis();
    writeThread.poll().run();
    assertTrue(acks.stream().allMatch(ack -> ack.isDone() && !ack.isCompletedExceptionally()));
    assertTrue(writeThread.isEmpty());
    assertEquals(9, vault.size(), "r0 erased last; r1..r9 hold the last write of each");
    assertEquals("u99", vault.get("r9").username());
    assertTrue(Files.getLastModifiedTime(home.resolve("vault")).toMillis() >= before);
  }

  @Test
  void anEraseOfWhatIsNotThereFailsAloneAndALockFailsAllAndWipesTheirSecrets() throws Exception {
    Vault vault = unlocked();
    WriteBatcher batcher = new WriteBatcher(vault, writeThread::add);
    CompletableFuture<Void> stored = batcher.submit(new Vault.Put("a", new Credential("u", TestKdf.secret("s"))));
    CompletableFuture<Void> missing = batcher.submit(new Vault.Remove("nothing"));
    writeThread.poll().run();
    assertTrue(stored.isDone() && !stored.isCompletedExceptionally());
    assertInstanceOf(CredentialNotFoundException.class, cause(missing));

    Secret secret = TestKdf.secret("s2");
    CompletableFuture<Void> whileLocked = batcher.submit(new Vault.Put("b", new Credential("u", secret)));
    vault.lock();
    writeThread.poll().run();
    assertInstanceOf(VaultLockedException.class, cause(whileLocked));
    assertTrue(secret.isDestroyed(), "the secret handed in was wiped");
  }

  @Test
  void aChangeQueuedWhileAWriteRunsGetsAWriteOfItsOwn() throws Exception {
    Vault vault = unlocked();
    WriteBatcher batcher = new WriteBatcher(vault, writeThread::add);
    batcher.submit(new Vault.Put("a", new Credential("u", TestKdf.secret("s"))));
    Runnable first = writeThread.poll();
    first.run();
    CompletableFuture<Void> later = batcher.submit(new Vault.Put("b", new Credential("u", TestKdf.secret("s"))));
    assertEquals(1, writeThread.size());
    writeThread.poll().run();
    assertTrue(later.isDone() && !later.isCompletedExceptionally());
    assertEquals(2, vault.size());
  }

  private static Throwable cause(CompletableFuture<Void> future) {
    try {
      future.join();
      throw new AssertionError("expected a failure");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void twoReplacementsOfOneKeyInOneBatchLoseNothingWhenTheVaultRefusesTheFirstsKeptCopy() throws Exception {
    // The second store's "before" was the first's credential, on the assumption that the first is
    // made. The vault refused the first's kept copy (full: the old credential is large), so the first
    // was refused, the second made: the old credential was gone, and never kept.
    Vault vault = unlocked();
    char[] old = new char[4000];
    java.util.Arrays.fill(old, 'o');
    vault.store("r.example", new Credential("OLD", Secret.adopt(old)));
    long left = Vault.MAX_CONTENT_CHARS - ("r.example".length() + 3 + 4000) - 1000; // 1000 characters free
    for (int n = 0; left > 0; n++) {
      String key = "big" + (char) ('a' + n);
      int chars = (int) Math.min(1 << 20, left - key.length() - 1);
      char[] filler = new char[chars];
      java.util.Arrays.fill(filler, 'x');
      vault.store(key, new Credential("u", Secret.adopt(filler)));
      left -= key.length() + 1 + chars;
    }
    WriteBatcher batcher = new WriteBatcher(vault, writeThread::add);
    WriteBatcher.Keeping keeping = new WriteBatcher.Keeping(java.time.Instant.parse("2026-12-06T00:00:00Z"), "test", true);
    CompletableFuture<Boolean> first = batcher.submit(new Vault.Put("r.example", new Credential("A", TestKdf.secret("a"))), keeping);
    CompletableFuture<Boolean> second = batcher.submit(new Vault.Put("r.example", new Credential("B", TestKdf.secret("b"))), keeping);
    while (!writeThread.isEmpty()) {
      writeThread.poll().run();
    }
    assertTrue(first.isCompletedExceptionally(), "the old credential could not be kept");
    boolean oldKept = vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).containsValue("OLD");
    assertTrue(vault.get("r.example").username().equals("OLD") || oldKept,
        "OLD is live or kept; live: " + vault.get("r.example").username() + ", kept: " + vault.list(ErasedKey.FIRST, CredentialResolver.LIVE_FROM).values());
  }
}
