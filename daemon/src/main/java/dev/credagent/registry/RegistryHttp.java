package dev.credagent.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The HTTP client for each registry: the system's trust store, plus the CAs docker reads for
 * that registry ({@code *.crt} in {@code ~/.docker/certs.d/HOST[:PORT]/} and
 * {@code /etc/docker/certs.d/HOST[:PORT]/}), the proxy from the environment, and a connect
 * timeout. Clients are made once per registry and kept.
 */
public final class RegistryHttp {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final List<Path> certRoots;
  private final RegistryProxy proxy;
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

  public RegistryHttp(List<Path> certRoots, RegistryProxy proxy) {
    this.certRoots = certRoots;
    this.proxy = proxy;
  }

  public static RegistryHttp fromEnvironment(Map<String, String> env) {
    List<Path> roots = new ArrayList<>();
    String home = env.get("HOME");
    if (home != null && !home.isEmpty()) {
      roots.add(Path.of(home, ".docker", "certs.d"));
    }
    roots.add(Path.of("/etc/docker/certs.d"));
    return new RegistryHttp(roots, RegistryProxy.fromEnvironment(env));
  }

  /** The client for {@code registry}: with its extra CAs where docker's certs.d has some. */
  public HttpClient clientFor(RegistryAddress registry) throws IOException {
    String authority = registry.base().getRawAuthority();
    List<Path> cas = new ArrayList<>();
    for (Path root : certRoots) {
      Path dir = root.resolve(authority);
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
          files.forEach(cas::add);
        }
      }
    }
    // Made at the first login, not at the daemon's start: a client loads the JDK's trust store
    // and starts a selector thread, a good part of a cold start for something most sessions never use.
    if (cas.isEmpty()) {
      return clients.computeIfAbsent("", ignored -> builder().build());
    }
    try {
      return clients.computeIfAbsent(authority + cas, ignored -> builder().sslContext(trusting(cas)).build());
    } catch (UncheckedSecurityException e) {
      throw new IOException("cannot use the CA certificates in " + cas + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  private HttpClient.Builder builder() {
    return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).proxy(proxy);
  }

  /** The system's trust anchors and these CAs. */
  private static SSLContext trusting(List<Path> cas) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      system.init((KeyStore) null);
      int n = 0;
      for (var manager : system.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          for (X509Certificate anchor : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("system-" + n++, anchor);
          }
        }
      }
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      for (Path ca : cas) {
        try (InputStream in = Files.newInputStream(ca)) {
          for (Certificate certificate : x509.generateCertificates(in)) {
            store.setCertificateEntry("certs.d-" + n++, certificate);
          }
        }
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new UncheckedSecurityException(e);
    }
  }

  private static final class UncheckedSecurityException extends RuntimeException {
    UncheckedSecurityException(Exception cause) {
      super(cause);
    }
  }
}
