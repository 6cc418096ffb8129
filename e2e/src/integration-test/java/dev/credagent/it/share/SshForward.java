package dev.credagent.it.share;

import dev.credagent.it.registry.Registry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code ssh -R}: an sshd of the test's own on 127.0.0.1 (its own host key, config and
 * authorized key, in the test's directory), and an ssh client that forwards a Unix socket on
 * "the remote side" to one here, as a user forwards a credagent share. Both end with the test.
 */
public final class SshForward implements AutoCloseable {
  public static final Path SSHD = Path.of("/usr/sbin/sshd");
  public static final Path SSH = Path.of("/usr/bin/ssh");
  private static final Path KEYGEN = Path.of("/usr/bin/ssh-keygen");

  private final Process sshd;
  private final Process client;
  private final Path remote;

  private SshForward(Process sshd, Process client, Path remote) {
    this.sshd = sshd;
    this.client = client;
    this.remote = remote;
  }

  /**
   * Whether a real sshd can run here: its programs are installed, and its privilege-separation
   * directory exists or we may create it (root); a normal user's test run uses socat instead.
   */
  public static boolean available() {
    return Files.isExecutable(SSHD) && Files.isExecutable(SSH) && Files.isExecutable(KEYGEN)
        && (Files.isDirectory(PRIVSEP) || "root".equals(System.getProperty("user.name")));
  }

  private static final Path PRIVSEP = Path.of("/run/sshd");

  /** Forwards {@code remote} (made by sshd, as on the far machine) to {@code local}; returns once it exists. */
  public static SshForward start(Path dir, Path remote, Path local) throws Exception {
    Files.createDirectories(dir);
    for (String key : List.of("host_key", "user_key")) {
      run(List.of(KEYGEN.toString(), "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve(key).toString()));
    }
    Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
    int port = Registry.freePort();
    Files.writeString(dir.resolve("sshd_config"), String.join("\n",
        "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host_key"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
        "AllowStreamLocalForwarding yes", "StreamLocalBindUnlink yes", "PidFile " + dir.resolve("sshd.pid"), ""));
    if (!Files.isDirectory(PRIVSEP)) {
      Files.createDirectories(PRIVSEP); // its privilege-separation directory (available() checked we may)
    }
    Process sshd = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
    Process client = new ProcessBuilder(SSH.toString(), "-i", dir.resolve("user_key").toString(),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
        "-o", "ExitOnForwardFailure=yes", "-o", "ConnectionAttempts=20", "-p", String.valueOf(port), "-N",
        "-R", remote + ":" + local, System.getProperty("user.name") + "@127.0.0.1")
        .redirectErrorStream(true).redirectOutput(dir.resolve("ssh.log").toFile()).start();
    SshForward forward = new SshForward(sshd, client, remote);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(remote)) {
      if (!client.isAlive() || System.nanoTime() > deadline) {
        forward.close();
        throw new IOException("ssh -R did not forward " + remote + ": " + Files.readString(dir.resolve("ssh.log"))
            + Files.readString(dir.resolve("sshd.log")));
      }
      Thread.sleep(20);
    }
    return forward;
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(command + " failed: " + new String(process.getInputStream().readAllBytes()));
    }
  }

  /**
   * Ends the forwarding, as the end of an ssh session does, and returns once the far side takes no
   * connection on it: sshd's session notices the client's end a moment later, and a request made in
   * that moment was still accepted, then dropped (bounded: 10 s).
   */
  public void disconnect() throws InterruptedException {
    client.destroyForcibly().waitFor();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        probe.connect(java.net.UnixDomainSocketAddress.of(remote));
      } catch (java.io.IOException refused) {
        return; // no listener, or no socket file: the forwarding is over
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws InterruptedException {
    client.destroyForcibly().waitFor();
    sshd.destroyForcibly().waitFor();
  }
}
