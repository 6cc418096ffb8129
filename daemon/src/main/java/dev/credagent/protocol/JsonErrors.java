package dev.credagent.protocol;

import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;

/**
 * What is wrong with a line that is not JSON, said without the line: Jackson's own messages quote
 * the offending token ({@code Unrecognized token 'MyPassPhrase'}), and that token may be a secret.
 */
public final class JsonErrors {
  private JsonErrors() {}

  public static String describe(StreamReadException e) {
    String kind = e instanceof JsonEOFException ? "it ends too early" : "unexpected character or token";
    long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
    return offset >= 0 ? kind + " at byte " + offset : kind;
  }
}
