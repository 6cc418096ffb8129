package dev.credagent.door;

import dev.credagent.caller.Caller;
import dev.credagent.failure.ErrorCode;
import dev.credagent.prompt.DisplaySession;
import dev.credagent.protocol.Fields;
import dev.credagent.protocol.ProtocolException;
import dev.credagent.protocol.Request;

/**
 * Where a JSON-lines client says a passphrase may be asked for it (its terminal, its display):
 * read here, at the door, and not with the wire's words, because it makes a {@link Caller}, a
 * floor the protocol package does not stand on.
 */
final class PromptPlaces {
  private PromptPlaces() {}

  /**
   * {@code caller} with the prompt places the request names (checked again where a prompt is
   * made); {@code caller} itself where it names none. A {@code tty} is a path under /dev; every
   * value at most 4096 characters, without control characters.
   */
  static Caller of(Request request, Caller caller)
      throws ProtocolException {
    String[] values = new String[Fields.PROMPT_PLACES.size()];
    boolean any = false;
    for (int i = 0; i < values.length; i++) {
      String value = request.optional(Fields.PROMPT_PLACES.get(i), "");
      if (value.length() > 4096 || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "'" + Fields.PROMPT_PLACES.get(i) + "' must be at most 4096 characters, without control characters");
      }
      values[i] = value.isEmpty() ? null : value;
      any |= values[i] != null;
    }
    if (!any) {
      return caller;
    }
    if (values[0] != null && !values[0].matches("/dev/[\\x21-\\x7e]{1,200}")) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "'tty' must be a terminal's path under /dev");
    }
    return caller.withPromptPlaces(values[0],
        new DisplaySession(values[1], values[2], values[3], values[4], values[5]), caller.gone());
  }

}
