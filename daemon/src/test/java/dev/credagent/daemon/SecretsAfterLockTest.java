package dev.credagent.daemon;

import dev.credagent.door.DaemonInfo;
import dev.credagent.door.ProtocolCodec;
import dev.credagent.service.TestClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.credagent.helper.CredentialHelper;
import dev.credagent.service.CredentialService;
import dev.credagent.transport.AgentServer;
import dev.credagent.transport.ServerLimits;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After {@code lock}, no copy of a stored secret or of the passphrase is left in the daemon's live
 * heap: the real server, the real ops and the real helper rules, in this JVM, then a heap dump.
 * What Java cannot wipe (garbage not yet overwritten, Netty's native buffers) is not in a live
 * dump; docs/security.md says so.
 */
class SecretsAfterLockTest {
  @TempDir Path dir;

  private static final int MASK = 0x55;

  /**
   * Random capital letters, held masked (XOR 0x55): the test itself never keeps the real bytes
   * in a live object, so whatever the heap dump finds is a copy the daemon kept.
   */
  private static byte[] maskedMarker(SecureRandom random) {
    byte[] marker = new byte[24];
    for (int i = 0; i < marker.length; i++) {
      marker[i] = (byte) (('A' + random.nextInt(26)) ^ MASK);
    }
    return marker;
  }

  /** The real bytes, in a fresh array the caller wipes (concat does). */
  private static byte[] unmask(byte[] masked) {
    byte[] plain = masked.clone();
    for (int i = 0; i < plain.length; i++) {
      plain[i] ^= MASK;
    }
    return plain;
  }

  /** Concatenates, wiping every part: some hold a marker. */
  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
      Arrays.fill(part, (byte) 0);
    }
    return out;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends, half-closes, and reads every answer into bytes (no String), which it then wipes. */
  private static int exchange(Path socket, byte[] request) throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(request));
      channel.shutdownOutput();
      Arrays.fill(request, (byte) 0);
      ByteBuffer answer = ByteBuffer.allocate(1 << 16);
      while (channel.read(answer) >= 0) {
        // until the daemon closes
      }
      int length = answer.position();
      Arrays.fill(answer.array(), (byte) 0);
      return length;
    }
  }

  private static int count(byte[] haystack, byte[] needle) {
    int found = 0;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (haystack[i + k] != needle[k]) {
          continue outer;
        }
      }
      found++;
    }
    return found;
  }

  /** The marker as the heap dump stores a char[] or a UTF-16 String: big-endian UTF-16. */
  private static byte[] utf16(byte[] ascii) {
    byte[] out = new byte[ascii.length * 2];
    for (int i = 0; i < ascii.length; i++) {
      out[2 * i + 1] = ascii[i];
    }
    return out;
  }

  @Test
  void neitherTheSecretNorThePassphraseSurvivesLockInTheLiveHeap() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] secret = maskedMarker(random);
    byte[] passphrase = maskedMarker(random);
    Path socket = Files.createDirectory(dir.resolve("run")).resolve("agent.sock");
    Vault vault = new Vault(dir.resolve("vault"), TestKdf.CHEAP);
    ExecutorService vaultThread = Executors.newSingleThreadExecutor();
    ExecutorService unlockThread = Executors.newSingleThreadExecutor();
    DaemonInfo info = new DaemonInfo(socket, dir, 1, Instant.now());
    CredentialService service = new CredentialService(vault, new TestClock(), vaultThread, unlockThread);
    ProtocolCodec operations = new ProtocolCodec(service, info, () -> {});
    CredentialHelper helper = new CredentialHelper(service);
    AgentServer server = AgentServer.bind(socket, dev.credagent.files.CurrentUser.uid(), ServerLimits.DEFAULT,
        new dev.credagent.transport.Doors(java.util.List.of(dev.credagent.transport.Door.jsonLines(operations),
            dev.credagent.transport.Door.helperRelay(helper),
            dev.credagent.transport.Door.commands(dev.credagent.transport.CommandRelay.HAND_EVERYTHING_BACK)),
            service::beforeAnswersLeave));
    Path dump = dir.resolve("heap.hprof");
    try {
      assertTrue(exchange(socket, concat(ascii("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\""), unmask(passphrase), ascii("\"}\n"),
          ascii("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\",\"secret\":\""), unmask(secret), ascii("\"}\n"),
          ascii("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}\n"),
          ascii("{\"v\":1,\"op\":\"unlock\",\"passphrase\":\""), unmask(passphrase), ascii("\"}\n"))) > 0);
      byte[] helperStore = concat(ascii("{\"ServerURL\":\"h\",\"Username\":\"u\",\"Secret\":\""), unmask(secret), ascii("\"}"));
      assertTrue(exchange(socket, concat(ascii("credential-helper/1 store " + helperStore.length + "\n"), helperStore)) > 0);
      assertTrue(exchange(socket, ascii("credential-helper/1 get 1\nh")) > 0);
      assertTrue(exchange(socket, ascii("{\"v\":1,\"op\":\"lock\"}\n")) > 0);
      assertTrue(!vault.isUnlocked());

      HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      hotspot.dumpHeap(dump.toString(), true); // live objects only, after a full collection
      byte[] heap = Files.readAllBytes(dump);
      byte[] secretBytes = unmask(secret);
      byte[] passphraseBytes = unmask(passphrase);
      assertEquals(0, count(heap, secretBytes) + count(heap, utf16(secretBytes)), "copies of the stored secret");
      assertEquals(0, count(heap, passphraseBytes) + count(heap, utf16(passphraseBytes)), "copies of the passphrase");
    } finally {
      server.close();
      vaultThread.shutdownNow();
      unlockThread.shutdownNow();
      Files.deleteIfExists(dump);
    }
  }
}
