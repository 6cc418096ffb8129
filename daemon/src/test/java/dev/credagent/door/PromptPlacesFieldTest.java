package dev.credagent.door;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.prompt.DisplaySession;
import dev.credagent.caller.Caller;
import dev.credagent.protocol.ProtocolException;
import dev.credagent.protocol.Request;
import dev.credagent.protocol.RequestParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JVM CLI's get and token name where a locked vault may ask, as the native frames' attributes do. */
class PromptPlacesFieldTest {
  private static Request request(String json) throws ProtocolException {
    return RequestParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aGetNamesItsTerminalAndDisplay() throws Exception {
    Caller caller = PromptPlaces.of(request("{\"v\":1,\"op\":\"get\",\"server\":\"r\",\"tty\":\"/dev/pts/3\",\"display\":\":0\","
        + "\"xauthority\":\"/home/u/.Xauthority\",\"session_type\":\"x11\",\"dbus\":\"unix:path=/run/user/1/bus\"}"), new Caller(1000, 1));
    assertEquals("/dev/pts/3", caller.terminal());
    assertEquals(new DisplaySession(":0", null, "/home/u/.Xauthority", "x11", "unix:path=/run/user/1/bus"), caller.display());
    Caller plain = new Caller(1000, 1);
    assertSame(plain, PromptPlaces.of(request("{\"v\":1,\"op\":\"get\",\"server\":\"r\"}"), plain), "none named: as it was");
  }

  @Test
  void aTerminalOutsideDevOrAControlCharacterIsABadRequest() throws Exception {
    for (String hostile : new String[] {"\"tty\":\"/etc/passwd\"", "\"display\":\":0\\u001b[2J\"", "\"xauthority\":\"" + "a".repeat(4097) + "\""}) {
      ProtocolException refused = assertThrows(ProtocolException.class,
          () -> PromptPlaces.of(request("{\"v\":1,\"op\":\"get\",\"server\":\"r\"," + hostile + "}"), new Caller(1000, 1)), hostile);
      assertTrue(refused.getMessage().contains("'"), refused.getMessage());
    }
  }
}
