package dev.credagent.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** A login that cannot reach its registry says which of the usual failures it was. */
class RegistryErrorsTest {
  private static String said(IOException e) {
    return dev.credagent.registry.RegistryErrors.unreachable(RegistryAddress.of("nosuch.invalid", false), e).getMessage();
  }

  @Test
  void eachFailureIsNamed() {
    String prefix = "cannot reach nosuch.invalid at https://nosuch.invalid: ";
    assertEquals(prefix + "the name nosuch.invalid could not be resolved (check the spelling, or DNS)",
        said(new ConnectException() {{ initCause(new UnknownHostException("nosuch.invalid")); }}));
    assertEquals(prefix + "the connection was refused (nothing listens on that port?)", said(new ConnectException()));
    assertEquals(prefix + "the connection timed out (a firewall, or the wrong port?)",
        said(new HttpConnectTimeoutException("HTTP connect timed out")));
    assertEquals(prefix + "the TLS handshake failed (PKIX path building failed)",
        said(new SSLHandshakeException("PKIX path building failed")));
    assertEquals(prefix + "something else", said(new IOException("something else")));
  }
}
