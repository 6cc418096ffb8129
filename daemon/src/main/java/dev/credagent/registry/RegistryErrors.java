package dev.credagent.registry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * What a failed exchange with a registry is called, in one place for logins and tokens: which of
 * the usual failures it was (the JDK's own words were often just "ConnectException"), with the fix
 * where there is one.
 */
public final class RegistryErrors {
  private RegistryErrors() {}

  /** A login that failed on the way: a timeout, a TLS failure (and where a private CA goes), or {@link #unreachable}. */
  public static LoginFailedException ofLogin(RegistryAddress registry, IOException e) {
    if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)) {
      return new LoginFailedException(registry.key() + " did not answer within the timeout (" + registry.base() + ")");
    }
    if (e instanceof SSLException) {
      return new LoginFailedException("the TLS connection to " + registry.key() + " failed (" + e.getMessage()
          + "); if it uses a private CA, put it in ~/.docker/certs.d/" + registry.base().getRawAuthority() + "/ca.crt");
    }
    return unreachable(registry, e);
  }

  /**
   * The registry did not answer, said as which of the usual failures it was: a name not resolved,
   * a connection refused, a timeout, a TLS failure; else what the JDK said.
   */
  public static LoginFailedException unreachable(RegistryAddress registry, IOException e) {
    String host = registry.base().getHost();
    List<Throwable> chain = new ArrayList<>();
    for (Throwable cause = e; cause != null && chain.size() < 16; cause = cause.getCause()) {
      chain.add(cause);
    }
    // The most telling first: a refused connection often wraps why it was (a name not resolved).
    String why = null;
    if (chain.stream().anyMatch(c -> c instanceof UnknownHostException || c instanceof UnresolvedAddressException)) {
      why = "the name " + host + " could not be resolved (check the spelling, or DNS)";
    } else if (chain.stream().anyMatch(c -> c instanceof SSLException)) {
      why = "the TLS handshake failed (" + chain.stream().filter(c -> c instanceof SSLException)
          .findFirst().orElseThrow().getMessage() + ")";
    } else if (chain.stream().anyMatch(c -> c instanceof HttpConnectTimeoutException)) {
      why = "the connection timed out (a firewall, or the wrong port?)";
    } else if (chain.stream().anyMatch(c -> c instanceof HttpTimeoutException)) {
      why = "it did not answer in time";
    } else if (chain.stream().anyMatch(c -> c instanceof NoRouteToHostException)) {
      why = "there is no route to it";
    } else if (chain.stream().anyMatch(c -> c instanceof ConnectException)) {
      why = "the connection was refused (nothing listens on that port?)";
    }
    if (why == null) {
      why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    return new LoginFailedException("cannot reach " + registry.key() + " at " + registry.base() + ": " + why);
  }
}
