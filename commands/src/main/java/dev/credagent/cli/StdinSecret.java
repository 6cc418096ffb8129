package dev.credagent.cli;

import dev.credagent.vault.WipeableBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Secrets read from standard input, as UTF-8, into characters we can wipe. */
final class StdinSecret {
  static final int MAX_BYTES = 1024 * 1024;

  private StdinSecret() {}

  /** The first line, without its line ending. */
  static char[] readLine(InputStream in) throws IOException, CliException {
    return decode(read(in, true));
  }

  /** Everything up to EOF, less one trailing newline (what {@code echo} or a heredoc adds). */
  static char[] readAll(InputStream in) throws IOException, CliException {
    byte[] bytes = read(in, false);
    int length = bytes.length;
    if (length > 0 && bytes[length - 1] == '\n') {
      length--;
      if (length > 0 && bytes[length - 1] == '\r') {
        length--;
      }
    }
    byte[] trimmed = Arrays.copyOf(bytes, length);
    Arrays.fill(bytes, (byte) 0);
    return decode(trimmed);
  }

  /** What stdin holds, up to EOF or (with {@code stopAtNewline}) its first line; every copy made on the way is wiped. */
  private static byte[] read(InputStream in, boolean stopAtNewline) throws IOException, CliException {
    WipeableBuffer out = new WipeableBuffer(64);
    try {
      int b;
      while ((b = in.read()) != -1) {
        if (stopAtNewline && b == '\n') {
          break;
        }
        out.write(b);
        if (out.size() > MAX_BYTES) {
          throw new CliException(ExitCode.ERROR, "standard input holds more than " + MAX_BYTES + " bytes");
        }
      }
      byte[] bytes = out.toByteArrayAndWipe();
      if (stopAtNewline && bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
        byte[] trimmed = Arrays.copyOf(bytes, bytes.length - 1);
        Arrays.fill(bytes, (byte) 0);
        bytes = trimmed;
      }
      return bytes;
    } finally {
      out.wipe();
    }
  }

  private static char[] decode(byte[] bytes) throws CliException {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
      char[] result = Arrays.copyOf(chars.array(), chars.limit());
      Arrays.fill(chars.array(), '\0');
      return result;
    } catch (CharacterCodingException e) {
      throw new CliException(ExitCode.ERROR, "standard input is not valid UTF-8");
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
