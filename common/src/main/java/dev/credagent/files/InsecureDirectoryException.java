package dev.credagent.files;

import java.io.IOException;

/** A directory we were asked to keep secrets or the socket in is not private to this user. */
public final class InsecureDirectoryException extends IOException {
  public InsecureDirectoryException(String message) {
    super(message);
  }
}
