package dev.credagent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirectoryTest {
  @TempDir Path parent;
  private final int me = CurrentUser.uid();

  @Test
  void createsMissingDirectoriesOwnerOnly() throws Exception {
    Path dir = PrivateDirectory.ensure(parent.resolve("a/credagent"), me);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
  }

  @Test
  void aHomeAnEarlierVersionMadeWithTheUmaskIsRepairedAndSaidSo() throws Exception {
    Path dir = Files.createDirectory(parent.resolve("made-0755"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String said = PrivateDirectory.repair(dir, me);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    org.junit.jupiter.api.Assertions.assertTrue(said.contains("it was rwxr-xr-x") && said.contains("your own directory"), said);
    assertEquals(null, PrivateDirectory.repair(dir, me), "nothing more to do");
    Path shared = Files.createDirectory(parent.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals(null, PrivateDirectory.repair(shared, me), "a world-writable directory is not ours to close");
  }

  @Test
  void refusesADirectoryOthersCanReachAndSaysHowToFixIt() throws Exception {
    Path dir = Files.createDirectory(parent.resolve("open"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    InsecureDirectoryException e = assertThrows(InsecureDirectoryException.class, () -> PrivateDirectory.ensure(dir, me));
    assertTrue(e.getMessage().contains("chmod 700 " + dir), e.getMessage());
  }

  @Test
  void refusesADirectoryOfAnotherUser() throws Exception {
    Path dir = Files.createDirectory(parent.resolve("theirs"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    InsecureDirectoryException e = assertThrows(InsecureDirectoryException.class, () -> PrivateDirectory.check(dir, me + 1));
    assertTrue(e.getMessage().contains("not to you"), e.getMessage());
  }

  @Test
  void rootWithAnotherUsersDirectoryIsToldToRunAsThatUser() throws Exception {
    Path dir = Files.createDirectory(parent.resolve("a-users"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    if (me == 0) {
      new ProcessBuilder("chown", "65534", dir.toString()).start().waitFor(); // nobody's
    }
    // As root (uid 0) with a user's HOME: before, "set CREDAGENT_SOCKET to a socket of your own".
    InsecureDirectoryException e = assertThrows(InsecureDirectoryException.class, () -> PrivateDirectory.check(dir, 0));
    assertTrue(e.getMessage().contains(": you are root, and it is ") && e.getMessage().contains("; run credagent as ")
        && !e.getMessage().contains("CREDAGENT_SOCKET"), e.getMessage());
  }

  @Test
  void refusesASymbolicLinkInPlaceOfTheDirectory() throws Exception {
    Path real = Files.createDirectory(parent.resolve("real"));
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
    Path link = Files.createSymbolicLink(parent.resolve("link"), real);
    assertThrows(InsecureDirectoryException.class, () -> PrivateDirectory.ensure(link, me));
  }

  @Test
  void aSharedDirectoryIsNotToBeChmodedButLeft() throws Exception {
    // Defect 13: CREDAGENT_SOCKET=/tmp/x.sock advised "chmod 700 /tmp".
    java.nio.file.Path shared = java.nio.file.Files.createDirectory(parent.resolve("shared"));
    java.nio.file.Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    String message = org.junit.jupiter.api.Assertions.assertThrows(InsecureDirectoryException.class,
        () -> PrivateDirectory.check(shared, CurrentUser.uid())).getMessage();
    org.junit.jupiter.api.Assertions.assertFalse(message.contains("chmod"), message);
    org.junit.jupiter.api.Assertions.assertTrue(message.contains("a directory of your own"), message);
  }
}
