package dev.credagent.it.registry;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's docker-registry (distribution 2.8) on 127.0.0.1, with htpasswd or token auth. */
public final class Registry implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;

  private Registry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static boolean available() {
    return Files.isExecutable(BINARY) && Files.isExecutable(Path.of("/usr/bin/htpasswd"));
  }

  /** A registry that accepts {@code user}/{@code password} (bcrypt htpasswd, as distribution wants). */
  public static Registry withHtpasswd(Path dir, String user, String password) throws Exception {
    Path htpasswd = dir.resolve("htpasswd");
    Process make = new ProcessBuilder("/usr/bin/htpasswd", "-Bbc", htpasswd.toString(), user, password)
        .redirectErrorStream(true).start();
    if (make.waitFor() != 0) {
      throw new IOException("htpasswd failed: " + new String(make.getInputStream().readAllBytes()));
    }
    return start(dir, """
        auth:
          htpasswd:
            realm: credagent-test
            path: %s
        """.formatted(htpasswd));
  }

  /** As {@link #withHtpasswd}, accepting a second account too ({@code user2}/{@code password2}). */
  public static Registry withTwoUsers(Path dir, String user, String password, String user2, String password2) throws Exception {
    Path htpasswd = dir.resolve("htpasswd");
    for (List<String> command : List.of(List.of("/usr/bin/htpasswd", "-Bbc", htpasswd.toString(), user, password),
        List.of("/usr/bin/htpasswd", "-Bb", htpasswd.toString(), user2, password2))) {
      Process make = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (make.waitFor() != 0) {
        throw new IOException("htpasswd failed: " + new String(make.getInputStream().readAllBytes()));
      }
    }
    return start(dir, """
        auth:
          htpasswd:
            realm: credagent-test
            path: %s
        """.formatted(htpasswd));
  }

  /** A registry that trusts tokens signed by the key of {@code rootCertBundle}. */
  public static Registry withToken(Path dir, String realm, String issuer, Path rootCertBundle) throws Exception {
    return start(dir, """
        auth:
          token:
            realm: %s
            service: credagent-test-registry
            issuer: %s
            rootcertbundle: %s
        """.formatted(realm, issuer, rootCertBundle));
  }

  /** As {@link #withHtpasswd}, serving TLS with {@code certificates} (signed by a CA nobody trusts). */
  public static Registry withHtpasswdTls(Path dir, String user, String password, TestCertificates certificates) throws Exception {
    Registry plain = withHtpasswd(dir, user, password);
    plain.close();
    return start(dir, Files.readString(dir.resolve("auth.yml")), """
          tls:
            certificate: %s
            key: %s
        """.formatted(certificates.certificate(), certificates.key()));
  }

  private static Registry start(Path dir, String auth) throws Exception {
    Files.writeString(dir.resolve("auth.yml"), auth);
    return start(dir, auth, "");
  }

  private static Registry start(Path dir, String auth, String tls) throws Exception {
    int port = freePort();
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: 127.0.0.1:%d
        %s%s""".formatted(dir.resolve("storage"), port, tls, auth));
    Process process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("registry.log").toFile())
        .start();
    Registry registry = new Registry(process, port);
    registry.awaitReady(dir);
    return registry;
  }

  public String host() {
    return "127.0.0.1:" + port;
  }

  private void awaitReady(Path dir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      try {
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
        connection.setConnectTimeout(500);
        int status = connection.getResponseCode();
        connection.disconnect();
        if (status == 401 || status == 200 || status == 400) { // 400: plain http to a TLS port
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IOException("docker-registry did not answer on " + host());
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
