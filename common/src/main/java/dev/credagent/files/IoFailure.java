package dev.credagent.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One line that says which file and why, for a failed read or write: Java's {@link
 * AccessDeniedException} says only the path, which tells the user nothing they can fix.
 */
public final class IoFailure {
  private IoFailure() {}

  public static String describe(IOException e) {
    if (e instanceof FileSystemException fs) {
      String reason = fs.getReason() != null ? fs.getReason() : switch (fs) {
        case AccessDeniedException denied -> "Permission denied";
        case NoSuchFileException missing -> "No such file or directory";
        case NotDirectoryException notDir -> "Not a directory";
        default -> fs.getClass().getSimpleName();
      };
      return (fs.getFile() != null ? fs.getFile() + ": " : "") + reason;
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
