package dev.credagent.imports;

import java.io.IOException;
import java.nio.file.Path;

/** An auth file that cannot be read as docker's or containers' format; names the file and the place. */
public final class MalformedAuthFileException extends IOException {
  public MalformedAuthFileException(Path file, String place, String why) {
    super(file + ": " + place + ": " + why + "; nothing was imported");
  }
}
