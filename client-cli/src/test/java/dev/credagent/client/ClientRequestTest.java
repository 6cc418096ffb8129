package dev.credagent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.credagent.protocol.Op;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientRequestTest {
  @Test
  void aRequestIsBuiltFromTheDaemonsOwnOpTableAndVersion() throws Exception {
    try (ClientRequest store = ClientRequest.op(Op.STORE).with("server", "r").with("username", "u")
        .withSecret("secret", "s".toCharArray())) {
      assertEquals("{\"v\":1,\"op\":\"store\",\"server\":\"r\",\"username\":\"u\",\"secret\":\"s\"}\n",
          new String(store.toLine(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aSecretPassedAsAPlainFieldOrAFieldTheOpLacksIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ClientRequest.op(Op.STORE).with("secret", "s"));
    assertThrows(IllegalArgumentException.class, () -> ClientRequest.op(Op.GET).with("username", "u"));
    char[] passphrase = "pw".toCharArray();
    assertThrows(IllegalArgumentException.class, () -> ClientRequest.op(Op.STORE).withSecret("passphrase", passphrase));
    assertEquals("\0\0", new String(passphrase), "wiped all the same");
  }
}
